/*
 * Plays scenario files (the JSON files of tests/scenarios, see scenarios.md) step by step
 * through the C API, and checks every expect field against both ways out: the
 * assessment JSON (iotcard_card_assess_json) and the plain struct
 * (iotcard_card_assess), which must agree.
 *
 * Usage: test_scenarios FILE.json...   (one test per file)
 *
 * A small JSON reader is included: just enough for scenario files and the
 * assessment JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iotcard.h"

/* ---- a small JSON reader -------------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jkind;

typedef struct jval {
    jkind kind;
    int boolean;         /* J_BOOL */
    char *str;           /* J_STR: decoded; J_NUM: its text */
    size_t n;            /* J_ARR, J_OBJ: number of items */
    struct jval *items;  /* J_ARR, J_OBJ: the values */
    char **keys;         /* J_OBJ: the keys */
    const char *raw;     /* the value's source text */
    size_t raw_len;
} jval;

typedef struct {
    const char *s;
    size_t i;
    size_t len;
    int depth;
} jparser;

static void json_free(jval *v) {
    size_t i;
    free(v->str);
    for (i = 0; i < v->n; i++) {
        json_free(&v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static void skip_ws(jparser *p) {
    while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) != NULL && p->s[p->i] != '\0') {
        p->i++;
    }
}

static void put_utf8(char *out, size_t *o, unsigned long cp) {
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int hex4(jparser *p, unsigned long *cp) {
    size_t k;
    *cp = 0;
    if (p->i + 4 > p->len) {
        return -1;
    }
    for (k = 0; k < 4; k++) {
        char c = p->s[p->i++];
        *cp <<= 4;
        if (c >= '0' && c <= '9') {
            *cp |= (unsigned long)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            *cp |= (unsigned long)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            *cp |= (unsigned long)(c - 'A' + 10);
        } else {
            return -1;
        }
    }
    return 0;
}

/* Parses a string at p->i (on the opening quote) into a new buffer. */
static char *parse_string(jparser *p) {
    char *out;
    size_t o = 0;
    if (p->i >= p->len || p->s[p->i] != '"') {
        return NULL;
    }
    p->i++;
    /* Decoded text is never longer than the source (\u escapes shrink). */
    out = (char *)malloc(p->len - p->i + 1);
    if (out == NULL) {
        return NULL;
    }
    while (p->i < p->len && p->s[p->i] != '"') {
        char c = p->s[p->i++];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (p->i >= p->len) {
            break;
        }
        c = p->s[p->i++];
        switch (c) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned long cp, lo;
            if (hex4(p, &cp) != 0) {
                free(out);
                return NULL;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && p->i + 6 <= p->len && p->s[p->i] == '\\' &&
                p->s[p->i + 1] == 'u') {
                p->i += 2;
                if (hex4(p, &lo) != 0) {
                    free(out);
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(out, &o, cp);
            break;
        }
        default:
            free(out);
            return NULL;
        }
    }
    if (p->i >= p->len) {
        free(out);
        return NULL;
    }
    p->i++; /* closing quote */
    out[o] = '\0';
    return out;
}

static int parse_value(jparser *p, jval *v);

static int push(jval *v, size_t *cap, const jval *item, char *key) {
    if (v->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        jval *items = (jval *)realloc(v->items, ncap * sizeof *items);
        if (items == NULL) {
            return -1;
        }
        v->items = items;
        if (v->kind == J_OBJ) {
            char **keys = (char **)realloc(v->keys, ncap * sizeof *keys);
            if (keys == NULL) {
                return -1;
            }
            v->keys = keys;
        }
        *cap = ncap;
    }
    v->items[v->n] = *item;
    if (v->kind == J_OBJ) {
        v->keys[v->n] = key;
    }
    v->n++;
    return 0;
}

static int parse_container(jparser *p, jval *v, char close) {
    size_t cap = 0;
    p->i++; /* opening bracket */
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
        return 0;
    }
    for (;;) {
        jval item;
        char *key = NULL;
        skip_ws(p);
        if (v->kind == J_OBJ) {
            key = parse_string(p);
            if (key == NULL) {
                return -1;
            }
            skip_ws(p);
            if (p->i >= p->len || p->s[p->i] != ':') {
                free(key);
                return -1;
            }
            p->i++;
        }
        if (parse_value(p, &item) != 0 || push(v, &cap, &item, key) != 0) {
            free(key);
            return -1;
        }
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->len && p->s[p->i] == close) {
            p->i++;
            return 0;
        }
        return -1;
    }
}

static int parse_value(jparser *p, jval *v) {
    size_t start;
    int rc = 0;
    memset(v, 0, sizeof *v);
    skip_ws(p);
    if (p->i >= p->len || ++p->depth > 64) {
        return -1;
    }
    start = p->i;
    switch (p->s[p->i]) {
    case '{':
        v->kind = J_OBJ;
        rc = parse_container(p, v, '}');
        break;
    case '[':
        v->kind = J_ARR;
        rc = parse_container(p, v, ']');
        break;
    case '"':
        v->kind = J_STR;
        v->str = parse_string(p);
        rc = v->str == NULL ? -1 : 0;
        break;
    default:
        if (p->len - p->i >= 4 && strncmp(p->s + p->i, "null", 4) == 0) {
            v->kind = J_NULL;
            p->i += 4;
        } else if (p->len - p->i >= 4 && strncmp(p->s + p->i, "true", 4) == 0) {
            v->kind = J_BOOL;
            v->boolean = 1;
            p->i += 4;
        } else if (p->len - p->i >= 5 && strncmp(p->s + p->i, "false", 5) == 0) {
            v->kind = J_BOOL;
            p->i += 5;
        } else {
            size_t k = p->i;
            while (k < p->len && strchr("+-0123456789.eE", p->s[k]) != NULL && p->s[k] != '\0') {
                k++;
            }
            if (k == p->i) {
                return -1;
            }
            v->kind = J_NUM;
            v->str = (char *)malloc(k - p->i + 1);
            if (v->str == NULL) {
                return -1;
            }
            memcpy(v->str, p->s + p->i, k - p->i);
            v->str[k - p->i] = '\0';
            p->i = k;
        }
    }
    p->depth--;
    v->raw = p->s + start;
    v->raw_len = p->i - start;
    if (rc != 0) {
        json_free(v);
    }
    return rc;
}

static int json_parse(const char *text, size_t len, jval *out) {
    jparser p;
    p.s = text;
    p.i = 0;
    p.len = len;
    p.depth = 0;
    if (parse_value(&p, out) != 0) {
        return -1;
    }
    skip_ws(&p);
    if (p.i != p.len) {
        json_free(out);
        return -1;
    }
    return 0;
}

static const jval *json_get(const jval *obj, const char *key) {
    size_t i;
    if (obj == NULL || obj->kind != J_OBJ) {
        return NULL;
    }
    for (i = 0; i < obj->n; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return &obj->items[i];
        }
    }
    return NULL;
}

static int json_equal(const jval *a, const jval *b) {
    size_t i;
    if (a == NULL || b == NULL || a->kind != b->kind) {
        return 0;
    }
    switch (a->kind) {
    case J_NULL: return 1;
    case J_BOOL: return a->boolean == b->boolean;
    case J_NUM: return strcmp(a->str, b->str) == 0 || strtod(a->str, NULL) == strtod(b->str, NULL);
    case J_STR: return strcmp(a->str, b->str) == 0;
    case J_ARR:
        if (a->n != b->n) {
            return 0;
        }
        for (i = 0; i < a->n; i++) {
            if (!json_equal(&a->items[i], &b->items[i])) {
                return 0;
            }
        }
        return 1;
    case J_OBJ:
        if (a->n != b->n) {
            return 0;
        }
        for (i = 0; i < a->n; i++) {
            if (!json_equal(&a->items[i], json_get(b, a->keys[i]))) {
                return 0;
            }
        }
        return 1;
    }
    return 0;
}

/* ---- the runner ----------------------------------------------------------- */

static const char *g_scenario;
static int g_step;

/* Reports a failing step with the field, the expected and the actual value. */
static void step_fail(const char *field, const char *want, size_t want_len, const char *got,
                      size_t got_len) {
    fprintf(stderr, "%s: step %d: %s: expected %.*s, actual %.*s\n", g_scenario, g_step, field,
            (int)want_len, want, (int)got_len, got);
    h_check_failures++;
}

static void step_fail_v(const char *field, const jval *want, const char *got) {
    step_fail(field, want->raw, want->raw_len, got, strlen(got));
}

/* The same, with the actual JSON value (or "(missing)"). */
static void step_fail_j(const char *field, const jval *want, const jval *got) {
    if (got == NULL) {
        step_fail_v(field, want, "(missing)");
    } else {
        step_fail(field, want->raw, want->raw_len, got->raw, got->raw_len);
    }
}

static int64_t instant_ms(const char *text, int *ok) {
    int64_t ms = 0;
    *ok = text != NULL && iotcard_instant_parse(text, strlen(text), &ms) == IOTCARD_RESULT_OK;
    return ms;
}

static int same_instant(const jval *want, const jval *got) {
    int ok1, ok2;
    int64_t a, b;
    if (want->kind == J_NULL || got == NULL || got->kind == J_NULL) {
        return want->kind == J_NULL && got != NULL && got->kind == J_NULL;
    }
    if (want->kind != J_STR || got->kind != J_STR) {
        return 0;
    }
    a = instant_ms(want->str, &ok1);
    b = instant_ms(got->str, &ok2);
    return ok1 && ok2 && a == b;
}

typedef const char *(*namer)(uint32_t);

/* The bit named `name` by `name_of` (0 if none). */
static uint32_t bit_named(namer name_of, const char *name) {
    uint32_t b;
    for (b = 0; b < 32; b++) {
        const char *n = name_of(1u << b);
        if (n != NULL && strcmp(n, name) == 0) {
            return 1u << b;
        }
    }
    return 0;
}

/* The value named `name` by `name_of` (-1 if none). */
static int value_named(namer name_of, const char *name) {
    uint32_t v;
    for (v = 0; v < 256; v++) {
        const char *n = name_of(v);
        if (n != NULL && strcmp(n, name) == 0) {
            return (int)v;
        }
    }
    return -1;
}

/* A list of names as bits; -1 (as all ones) if a name is unknown or not a string. */
static uint32_t bits_of_list(namer name_of, const jval *list, int *ok) {
    uint32_t bits = 0;
    size_t i;
    *ok = list != NULL && list->kind == J_ARR;
    for (i = 0; *ok && i < list->n; i++) {
        uint32_t b = list->items[i].kind == J_STR ? bit_named(name_of, list->items[i].str) : 0;
        *ok = b != 0;
        bits |= b;
    }
    return bits;
}

static void compare_set(const char *field, const jval *want, const jval *got_json,
                        uint32_t got_bits, namer name_of, int ordered) {
    int ok_w, ok_g;
    uint32_t w = bits_of_list(name_of, want, &ok_w);
    uint32_t g = bits_of_list(name_of, got_json, &ok_g);
    char buf[64];
    if (!ok_w || !ok_g || w != g || (ordered && !json_equal(want, got_json))) {
        step_fail_j(field, want, got_json);
    }
    if (ok_w && w != got_bits) {
        snprintf(buf, sizeof buf, "struct bits 0x%x", (unsigned)got_bits);
        step_fail_v(field, want, buf);
    }
}

static void compare_int(const char *field, const jval *want, const jval *got_json,
                        long long got_struct) {
    char buf[64];
    if (!json_equal(want, got_json)) {
        step_fail_j(field, want, got_json);
    }
    if (want->kind != J_NUM || strtoll(want->str, NULL, 10) != got_struct) {
        snprintf(buf, sizeof buf, "struct %lld", got_struct);
        step_fail_v(field, want, buf);
    }
}

static void compare_field(const char *field, const jval *want, const jval *actual,
                          const iotcard_assessment *a) {
    const jval *got = json_get(actual, field);
    char buf[128];
    size_t i;
    if (strcmp(field, "status") == 0) {
        if (!json_equal(want, got)) {
            step_fail_j(field, want, got);
        }
        if (want->kind != J_STR || value_named(iotcard_status_name, want->str) != a->status) {
            step_fail_v(field, want, "(struct status differs)");
        }
    } else if (strcmp(field, "holds") == 0) {
        compare_set(field, want, got, a->holds, iotcard_hold_name, 0);
    } else if (strcmp(field, "barred") == 0) {
        compare_set(field, want, got, a->barred, iotcard_service_name, 0);
    } else if (strcmp(field, "call_restriction") == 0) {
        compare_set(field, want, got, a->call_restriction, iotcard_call_cause_name, 1);
    } else if (strcmp(field, "balance") == 0) {
        compare_int(field, want, got, (long long)a->balance);
    } else if (strcmp(field, "usage_bytes") == 0) {
        compare_int(field, want, got, (long long)a->usage_bytes);
    } else if (strcmp(field, "overage_bytes") == 0) {
        compare_int(field, want, got, (long long)a->overage_bytes);
    } else if (strcmp(field, "overage_charge") == 0) {
        compare_int(field, want, got, (long long)a->overage_charge);
    } else if (strcmp(field, "keep_number_fees") == 0) {
        compare_int(field, want, got, (long long)a->keep_number_fees);
    } else if (strcmp(field, "retention_ends") == 0) {
        int ok = 0;
        if (!same_instant(want, got)) {
            step_fail_j(field, want, got);
        }
        if (want->kind == J_NULL ? a->has_retention_ends
                                 : !(a->has_retention_ends &&
                                     instant_ms(want->str, &ok) == a->retention_ends_ms && ok)) {
            step_fail_v(field, want, "(struct retention_ends differs)");
        }
    } else if (strcmp(field, "next") == 0) {
        const jval *w_at = json_get(want, "at");
        const jval *w_change = json_get(want, "change");
        int json_ok, struct_ok, ok = 0;
        if (want->kind == J_NULL) {
            json_ok = got != NULL && got->kind == J_NULL;
            struct_ok = !a->has_next;
        } else {
            json_ok = got != NULL && got->kind == J_OBJ &&
                      (w_at == NULL || same_instant(w_at, json_get(got, "at"))) &&
                      (w_change == NULL || json_equal(w_change, json_get(got, "change")));
            struct_ok = a->has_next && want->kind == J_OBJ &&
                        (w_at == NULL || (w_at->kind == J_STR &&
                                          instant_ms(w_at->str, &ok) == a->next_at_ms && ok)) &&
                        (w_change == NULL ||
                         (w_change->kind == J_STR &&
                          value_named(iotcard_change_name, w_change->str) == a->next_change));
        }
        if (!json_ok) {
            step_fail_j(field, want, got);
        }
        if (!struct_ok) {
            step_fail_v(field, want, "(struct next differs)");
        }
    } else if (strcmp(field, "can") == 0 || strcmp(field, "remedies") == 0 ||
               strcmp(field, "refund") == 0) {
        if (want->kind != J_OBJ) {
            step_fail_v(field, want, "(expect must be an object)");
            return;
        }
        for (i = 0; i < want->n; i++) {
            const char *k = want->keys[i];
            const jval *w = &want->items[i];
            const jval *g = json_get(got, k);
            int struct_ok = 0;
            snprintf(buf, sizeof buf, "%s.%s", field, k);
            if (!json_equal(w, g)) {
                step_fail_j(buf, w, g);
            }
            if (strcmp(field, "can") == 0) {
                uint32_t bit = bit_named(iotcard_action_name, k);
                struct_ok = bit != 0 && w->kind == J_BOOL && ((a->can & bit) != 0) == w->boolean;
            } else if (strcmp(field, "remedies") == 0) {
                uint32_t bit = bit_named(iotcard_hold_name, k);
                unsigned idx = 0;
                while (bit > 1u << idx) {
                    idx++;
                }
                struct_ok = bit != 0 && w->kind == J_STR &&
                            value_named(iotcard_remedy_name, w->str) == a->remedies[idx];
            } else if (strcmp(k, "eligible_to_request") == 0) {
                struct_ok = w->kind == J_BOOL && w->boolean == (int)a->refund_eligible;
            } else if (strcmp(k, "unused_months") == 0) {
                struct_ok = w->kind == J_NUM && strtoll(w->str, NULL, 10) == a->refund_unused_months;
            } else if (strcmp(k, "estimate") == 0) {
                struct_ok = w->kind == J_NUM && strtoll(w->str, NULL, 10) == a->refund_estimate;
            }
            if (!struct_ok) {
                step_fail_v(buf, w, "(struct differs)");
            }
        }
    } else {
        step_fail_v(field, want, "(an expect field this runner does not know)");
    }
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    size_t n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
            char *nbuf;
            cap = cap ? cap * 2 : 8192;
            nbuf = (char *)realloc(buf, cap);
            if (nbuf == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) {
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *card_state(const iotcard_card *c) {
    char *s = NULL;
    if (iotcard_card_to_json(c, &s) != IOTCARD_RESULT_OK) {
        return NULL;
    }
    return s;
}

/* Plays one step; the card may be swapped for its replacement. */
static void play_step(const jval *st, iotcard_card **card, const iotcard_policy *policy) {
    const jval *j_at = json_get(st, "at");
    const jval *event = json_get(st, "event");
    const jval *expect = json_get(st, "expect");
    const jval *expect_error = json_get(st, "expect_error");
    int ok = 0;
    int64_t at = instant_ms(j_at != NULL && j_at->kind == J_STR ? j_at->str : NULL, &ok);
    if (!ok) {
        step_fail("at", "an RFC 3339 instant", 19, "something else", 14);
        return;
    }
    if (event != NULL) {
        char *before = card_state(*card);
        iotcard_card *repl = NULL;
        char *withdrawn = NULL;
        bool duplicate = false;
        /* The event as given, with its `id` (R12.5); a step may go back in time
           within the policy's late window (R12.1). */
        uint32_t r = iotcard_card_apply_ex(*card, policy, at, event->raw, event->raw_len, &repl,
                                           NULL, &withdrawn, &duplicate);
        const char *name = iotcard_result_name(r);
        if (expect_error != NULL) {
            char *after = card_state(*card);
            if (expect_error->kind != J_STR || strcmp(expect_error->str, name) != 0) {
                step_fail_v("error", expect_error, name);
            }
            if (before == NULL || after == NULL || strcmp(before, after) != 0) {
                step_fail("card", "unchanged", 9, "changed by a refused event", 26);
            }
            iotcard_string_free(after);
        } else if (r != IOTCARD_RESULT_OK) {
            step_fail("error", "success", 7, last_error(), strlen(last_error()));
        } else if (duplicate) {
            /* A duplicate changes nothing and withdraws nothing. */
            char *after = card_state(*card);
            if (before == NULL || after == NULL || strcmp(before, after) != 0) {
                step_fail("card", "unchanged by a duplicate", 24, "changed", 7);
            }
            if (withdrawn == NULL || strcmp(withdrawn, "[]") != 0) {
                step_fail("withdrawn", "[]", 2, "something", 9);
            }
            iotcard_string_free(after);
        } else if (repl != NULL) {
            /* After a replace, the story goes on with the new card. */
            iotcard_card_free(*card);
            *card = repl;
        }
        iotcard_string_free(withdrawn);
        iotcard_string_free(before);
    } else if (expect != NULL && expect->kind == J_OBJ) {
        iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;
        char *json = NULL;
        jval actual;
        size_t i;
        if (iotcard_card_advance(*card, policy, at, NULL) != IOTCARD_RESULT_OK ||
            iotcard_card_assess(*card, policy, at, &a) != IOTCARD_RESULT_OK ||
            iotcard_card_assess_json(*card, policy, at, &json) != IOTCARD_RESULT_OK) {
            step_fail("assess", "an assessment", 13, last_error(), strlen(last_error()));
            return;
        }
        if (json_parse(json, strlen(json), &actual) != 0) {
            step_fail("assess", "assessment JSON", 15, json, strlen(json));
            iotcard_string_free(json);
            return;
        }
        for (i = 0; i < expect->n; i++) {
            compare_field(expect->keys[i], &expect->items[i], &actual, &a);
        }
        json_free(&actual);
        iotcard_string_free(json);
    } else {
        step_fail("step", "an event or an expect", 21, "neither", 7);
    }
}

static void play(const char *path) {
    size_t len = 0;
    char *text = read_file(path, &len);
    jval doc;
    const jval *j_policy, *j_card, *steps;
    iotcard_policy *policy = NULL;
    iotcard_card *card = NULL;
    size_t i;

    g_scenario = path;
    g_step = -1;
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        h_check_failures++;
        return;
    }
    if (json_parse(text, len, &doc) != 0) {
        fprintf(stderr, "%s: not JSON this reader understands\n", path);
        h_check_failures++;
        free(text);
        return;
    }
    j_policy = json_get(&doc, "policy");
    j_card = json_get(&doc, "card");
    steps = json_get(&doc, "steps");
    if (j_policy != NULL) {
        CHECK_RESULT(iotcard_policy_from_json(j_policy->raw, j_policy->raw_len, &policy),
                     IOTCARD_RESULT_OK);
    } else {
        CHECK_RESULT(iotcard_policy_from_json("{}", 2, &policy), IOTCARD_RESULT_OK);
    }
    if (j_card != NULL) {
        CHECK_RESULT(iotcard_card_new(j_card->raw, j_card->raw_len, &card), IOTCARD_RESULT_OK);
    }
    if (policy != NULL && card != NULL && steps != NULL && steps->kind == J_ARR) {
        for (i = 0; i < steps->n; i++) {
            g_step = (int)i;
            play_step(&steps->items[i], &card, policy);
        }
    } else {
        fprintf(stderr, "%s: needs a valid policy, card and steps\n", path);
        h_check_failures++;
    }
    iotcard_card_free(card);
    iotcard_policy_free(policy);
    json_free(&doc);
    free(text);
}

int main(int argc, char **argv) {
    int i;
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCENARIO.json...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        int before = h_check_failures;
        play(argv[i]);
        if (h_check_failures == before) {
            h_passed++;
        } else {
            h_failed++;
            fprintf(stderr, "FAILED: %s\n", argv[i]);
        }
    }
    return h_finish();
}

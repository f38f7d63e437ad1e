/*
 * A billing-style day with the iotcard C API:
 *
 *   billing POLICY.json CARDS.jsonl EVENTS.tsv END_OF_DAY [STATES_OUT.jsonl]
 *
 * 1. loads the policy (the fields that differ from the default policy);
 * 2. loads the cards, one JSON object per line: a stored card state (a line
 *    with a "version" field, as written by a previous run) or a new card
 *    (scenarios.md "card");
 * 3. applies the day's events, one per line: ICCID <TAB> instant <TAB> event
 *    JSON (lines starting with '#' are comments); a refused event is reported
 *    and the card is left as it was; a replaced card's new card joins the list;
 * 4. assesses every card at END_OF_DAY in one batch and prints the cards that
 *    need action, with their holds and what lifts them;
 * 5. writes every card's state to STATES_OUT, for the next day's run.
 *
 * Build and run: see bindings/c/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotcard.h"

typedef struct {
    iotcard_card *card;
    char iccid[32];
} entry;

typedef struct {
    entry *items;
    size_t n;
    size_t cap;
} fleet;

/* Reads one line (without its newline) into a growing buffer; 0 at the end. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len) {
    int c;
    *len = 0;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (*len + 2 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 256;
            char *nbuf = (char *)realloc(*buf, ncap);
            if (nbuf == NULL) {
                return 0;
            }
            *buf = nbuf;
            *cap = ncap;
        }
        (*buf)[(*len)++] = (char)c;
    }
    if (c == EOF && *len == 0) {
        return 0;
    }
    if (*buf != NULL) {
        (*buf)[*len] = '\0';
    }
    return 1;
}

/* Prints why the last call failed: its result code and full message. */
static void print_failure(const char *what, iotcard_result r) {
    char msg[1024];
    size_t n = 0;
    if (iotcard_last_error_message(msg, sizeof msg, &n) != IOTCARD_RESULT_OK) {
        strcpy(msg, iotcard_result_message(r));
    }
    printf("%s: %s: %s\n", what, iotcard_result_name(r), msg);
}

static int add_card(fleet *f, iotcard_card *card) {
    size_t len = 0;
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 16;
        entry *items = (entry *)realloc(f->items, ncap * sizeof *items);
        if (items == NULL) {
            return -1;
        }
        f->items = items;
        f->cap = ncap;
    }
    if (iotcard_card_iccid(card, f->items[f->n].iccid, sizeof f->items[f->n].iccid, &len) !=
        IOTCARD_RESULT_OK) {
        return -1;
    }
    f->items[f->n].card = card;
    f->n++;
    return 0;
}

static iotcard_card *find_card(const fleet *f, const char *iccid) {
    size_t i;
    for (i = 0; i < f->n; i++) {
        if (strcmp(f->items[i].iccid, iccid) == 0) {
            return f->items[i].card;
        }
    }
    return NULL;
}

static void free_fleet(fleet *f) {
    size_t i;
    for (i = 0; i < f->n; i++) {
        iotcard_card_free(f->items[i].card);
    }
    free(f->items);
}

/* The whole file, NUL-terminated (NULL if it cannot be read). */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (*len + 4096 + 1 > cap) {
            char *nbuf = (char *)realloc(buf, cap = cap * 2 + 8192);
            if (nbuf == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
        }
        got = fread(buf + *len, 1, 4096, f);
        *len += got;
        if (got < 4096) {
            break;
        }
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static int load_cards(const char *path, fleet *f) {
    FILE *in = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0, len = 0, lineno = 0, stored = 0, fresh = 0;
    int rc = 0;
    if (in == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    while (rc == 0 && read_line(in, &line, &cap, &len)) {
        iotcard_card *card = NULL;
        iotcard_result r;
        int is_state;
        lineno++;
        if (len == 0) {
            continue;
        }
        is_state = strstr(line, "\"version\"") != NULL;
        r = is_state ? iotcard_card_from_json(line, len, &card) : iotcard_card_new(line, len, &card);
        if (r != IOTCARD_RESULT_OK) {
            char what[64];
            snprintf(what, sizeof what, "%s:%lu", path, (unsigned long)lineno);
            print_failure(what, r);
            rc = -1;
        } else if (add_card(f, card) != 0) {
            iotcard_card_free(card);
            rc = -1;
        } else if (is_state) {
            stored++;
        } else {
            fresh++;
        }
    }
    free(line);
    fclose(in);
    printf("loaded %lu cards (%lu stored, %lu new)\n", (unsigned long)(stored + fresh),
           (unsigned long)stored, (unsigned long)fresh);
    return rc;
}

static int apply_events(const char *path, fleet *f, const iotcard_policy *policy) {
    FILE *in = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0, len = 0, lineno = 0, applied = 0, refused = 0;
    if (in == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    while (read_line(in, &line, &cap, &len)) {
        char *iccid, *when, *event, *tab;
        char what[128];
        int64_t at_ms = 0;
        iotcard_card *card;
        iotcard_card *replacement = NULL;
        iotcard_result r;
        lineno++;
        if (len == 0 || line[0] == '#') {
            continue;
        }
        iccid = line;
        tab = strchr(iccid, '\t');
        when = tab ? tab + 1 : NULL;
        tab = when ? strchr(when, '\t') : NULL;
        event = tab ? tab + 1 : NULL;
        if (event == NULL) {
            printf("%s:%lu: refused: not ICCID<TAB>instant<TAB>event\n", path,
                   (unsigned long)lineno);
            refused++;
            continue;
        }
        when[-1] = '\0';
        event[-1] = '\0';
        snprintf(what, sizeof what, "%s:%lu: refused %s", path, (unsigned long)lineno, iccid);
        card = find_card(f, iccid);
        if (card == NULL) {
            printf("%s: unknown card\n", what);
            refused++;
            continue;
        }
        r = iotcard_instant_parse(when, strlen(when), &at_ms);
        if (r == IOTCARD_RESULT_OK) {
            r = iotcard_card_apply(card, policy, at_ms, event, strlen(event), &replacement, NULL);
        }
        if (r != IOTCARD_RESULT_OK) {
            print_failure(what, r);
            refused++;
            continue;
        }
        applied++;
        if (replacement != NULL && add_card(f, replacement) != 0) {
            iotcard_card_free(replacement);
            free(line);
            fclose(in);
            return -1;
        }
    }
    free(line);
    fclose(in);
    printf("applied %lu events, refused %lu\n", (unsigned long)applied, (unsigned long)refused);
    return 0;
}

/* Unix milliseconds as a UTC RFC 3339 instant. */
static const char *utc(int64_t ms, char *buf, size_t len) {
    time_t secs = (time_t)(ms / 1000);
    struct tm *tm = gmtime(&secs);
    if (tm == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", tm) == 0) {
        snprintf(buf, len, "%lld ms", (long long)ms);
    }
    return buf;
}

static void print_needs_action(const entry *e, const iotcard_assessment *a) {
    unsigned i;
    char when[64];
    printf("%-20s  %-10s", e->iccid, iotcard_status_name(a->status));
    for (i = 0; i < IOTCARD_HOLD_COUNT; i++) {
        if (a->holds & (1u << i)) {
            const char *remedy = iotcard_remedy_name(a->remedies[i]);
            printf("  %s -> %s", iotcard_hold_name(1u << i), remedy ? remedy : "-");
        }
    }
    if (a->barred != 0) {
        const char *sep = "  barred: ";
        for (i = 0; i < 8; i++) {
            if (a->barred & (1u << i)) {
                printf("%s%s", sep, iotcard_service_name(1u << i));
                sep = ",";
            }
        }
    }
    printf("  balance %lld", (long long)a->balance);
    if (a->overage_charge > 0) {
        printf("  overage %lld", (long long)a->overage_charge);
    }
    if (a->refund_eligible) {
        printf("  refund estimate %lld", (long long)a->refund_estimate);
    }
    if (a->has_next) {
        printf("  next: %s at %s", iotcard_change_name(a->next_change),
               utc(a->next_at_ms, when, sizeof when));
    }
    printf("\n");
}

static int report(const fleet *f, const iotcard_policy *policy, const char *end_text) {
    const iotcard_card **cards;
    iotcard_assessment *out;
    int64_t end_ms = 0;
    size_t i, need = 0;
    iotcard_result r = iotcard_instant_parse(end_text, strlen(end_text), &end_ms);
    if (r != IOTCARD_RESULT_OK) {
        print_failure("END_OF_DAY", r);
        return -1;
    }
    cards = (const iotcard_card **)malloc((f->n ? f->n : 1) * sizeof *cards);
    out = (iotcard_assessment *)malloc((f->n ? f->n : 1) * sizeof *out);
    if (cards == NULL || out == NULL) {
        free(cards);
        free(out);
        return -1;
    }
    for (i = 0; i < f->n; i++) {
        cards[i] = f->items[i].card;
    }
    /* One call for the whole fleet; each entry has its own result. The stride is
     * this program's sizeof: the entries need no initialising. */
    r = iotcard_assess_batch(policy, cards, f->n, end_ms, out, sizeof *out);
    if (r != IOTCARD_RESULT_OK) {
        print_failure("assess", r);
    }
    for (i = 0; i < f->n; i++) {
        need += out[i].result != IOTCARD_RESULT_OK || out[i].needs_action;
    }
    printf("%s: %lu of %lu cards need action\n", end_text, (unsigned long)need,
           (unsigned long)f->n);
    for (i = 0; i < f->n; i++) {
        if (out[i].result != IOTCARD_RESULT_OK) {
            printf("%-20s  not assessed: %s\n", f->items[i].iccid,
                   iotcard_result_name(out[i].result));
        } else if (out[i].needs_action) {
            print_needs_action(&f->items[i], &out[i]);
        }
    }
    free(cards);
    free(out);
    return 0;
}

static int write_states(const char *path, const fleet *f) {
    FILE *out = fopen(path, "wb");
    size_t i;
    int rc = 0;
    if (out == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        return -1;
    }
    for (i = 0; i < f->n && rc == 0; i++) {
        char *state = NULL;
        iotcard_result r = iotcard_card_to_json(f->items[i].card, &state);
        if (r != IOTCARD_RESULT_OK) {
            print_failure("state", r);
            rc = -1;
        } else {
            fprintf(out, "%s\n", state);
            iotcard_string_free(state);
        }
    }
    if (fclose(out) != 0) {
        rc = -1;
    }
    printf("wrote %lu card states\n", (unsigned long)f->n);
    return rc;
}

int main(int argc, char **argv) {
    iotcard_policy *policy = NULL;
    fleet f = {NULL, 0, 0};
    char *policy_json;
    size_t policy_len = 0;
    iotcard_result r;
    int rc = 0;

    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: %s POLICY.json CARDS.jsonl EVENTS.tsv END_OF_DAY [STATES_OUT.jsonl]\n",
                argv[0]);
        return 2;
    }
    if (strcmp(iotcard_version(), IOTCARD_VERSION) != 0) {
        fprintf(stderr, "library %s does not match header %s\n", iotcard_version(),
                IOTCARD_VERSION);
        return 1;
    }
    policy_json = read_file(argv[1], &policy_len);
    if (policy_json == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    r = iotcard_policy_from_json(policy_json, policy_len, &policy);
    free(policy_json);
    if (r != IOTCARD_RESULT_OK) {
        print_failure(argv[1], r);
        return 1;
    }
    if (load_cards(argv[2], &f) != 0 || apply_events(argv[3], &f, policy) != 0 ||
        report(&f, policy, argv[4]) != 0 || (argc == 6 && write_states(argv[5], &f) != 0)) {
        rc = 1;
    }
    free_fleet(&f);
    iotcard_policy_free(policy);
    return rc;
}

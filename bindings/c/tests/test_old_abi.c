/*
 * A program built against an older header still works with this library.
 *
 * `old_assessment` below is a frozen copy of version 1 of iotcard_assessment
 * (IOTCARD_ASSESSMENT_SIZE_V1 bytes: `size` to `remedies`), without the fields
 * added since (`at_ms`, version 2). Never change it: it is what a program
 * compiled against that header has in memory. Each struct is followed by a
 * canary word that the library must not touch; the values of every field are
 * compared with what a program built against this header gets for the same
 * card. Also: a size smaller than version 1 is refused with nothing written,
 * and a program newer than the library gets what the library knows.
 *
 * C11 only (the frozen struct is plain C).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iotcard.h"

#define S(s) (s), strlen(s)

/* Version 1 of iotcard_assessment, frozen. */
typedef struct old_assessment {
    uint32_t size;
    uint32_t result;
    uint8_t status;
    uint8_t barred;
    uint16_t holds;
    uint16_t can;
    uint8_t call_restriction;
    uint8_t manual_suspend_unmet;
    bool needs_action;
    bool has_next;
    uint8_t next_change;
    bool has_retention_ends;
    bool has_maintenance_until;
    bool refund_eligible;
    uint32_t refund_unused_months;
    int64_t balance;
    uint64_t usage_bytes;
    uint64_t allowance_bytes;
    uint64_t overage_bytes;
    int64_t overage_charge;
    int64_t keep_number_fees;
    int64_t next_at_ms;
    int64_t retention_ends_ms;
    int64_t maintenance_until_ms;
    int64_t refund_estimate;
    int64_t hold_since_ms[16];
    uint8_t remedies[16];
} old_assessment;

_Static_assert(sizeof(old_assessment) == IOTCARD_ASSESSMENT_SIZE_V1,
               "version 1 is IOTCARD_ASSESSMENT_SIZE_V1 bytes");
_Static_assert(sizeof(old_assessment) < sizeof(iotcard_assessment),
               "this header's struct has grown past version 1");

static const uint64_t CANARY = 0x0123456789abcdefu;

/* One old struct with a canary right after it. */
typedef struct guarded {
    old_assessment a;
    uint64_t canary;
} guarded;

/* An old program's array of three, with a canary after the last. */
typedef struct guarded_array {
    old_assessment a[3];
    uint64_t canary;
} guarded_array;

_Static_assert(offsetof(guarded, canary) == sizeof(old_assessment), "canary right after");
_Static_assert(offsetof(guarded_array, canary) == 3 * sizeof(old_assessment),
               "canary right after");

static const char NEW_CARD[] =
    "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"balance\": 1000,"
    " \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\", \"end\": \"2027-01-01T00:00:00+08:00\","
    " \"period\": \"month\", \"quota_bytes\": 104857600, \"monthly_fee\": 1000}}";

static int64_t at(const char *rfc3339) {
    int64_t ms = 0;
    CHECK_RESULT(iotcard_instant_parse(S(rfc3339), &ms), IOTCARD_RESULT_OK);
    return ms;
}

static void apply(iotcard_card *c, const iotcard_policy *p, const char *when,
                  const char *event) {
    iotcard_card *repl = NULL;
    CHECK_RESULT(iotcard_card_apply(c, p, at(when), S(event), &repl, NULL), IOTCARD_RESULT_OK);
    CHECK(repl == NULL);
}

/* The fleet of the tests: a card in arrears with an overage charge, a
 * card in retention, a card under maintenance, a new card. */
typedef struct fleet {
    iotcard_policy *p;
    iotcard_card *cards[4];
    int64_t t;
} fleet;

static fleet make_fleet(void) {
    fleet f;
    size_t i;
    CHECK_RESULT(iotcard_policy_from_json(S("{\"low_balance\": 300, \"overage_rate_per_mb\": 5}"),
                                          &f.p),
                 IOTCARD_RESULT_OK);
    for (i = 0; i < 4; i++) {
        CHECK_RESULT(iotcard_card_new(S(NEW_CARD), &f.cards[i]), IOTCARD_RESULT_OK);
    }
    for (i = 0; i < 3; i++) {
        apply(f.cards[i], f.p, "2026-01-05T10:00:00+08:00",
              "{\"type\": \"activate\", \"imei\": \"490154203237518\"}");
    }
    apply(f.cards[0], f.p, "2026-01-20T10:00:00+08:00",
          "{\"type\": \"usage\", \"bytes\": 157286400, \"imei\": \"490154203237518\"}");
    apply(f.cards[0], f.p, "2026-01-25T10:00:00+08:00", "{\"type\": \"charge\", \"amount\": 1500}");
    CHECK_RESULT(iotcard_card_advance(f.cards[1], f.p, at("2027-01-02T00:00:00+08:00"), NULL),
                 IOTCARD_RESULT_OK);
    apply(f.cards[2], f.p, "2026-01-26T00:00:00+08:00",
          "{\"type\": \"maintenance\", \"until\": \"2026-01-28T00:00:00+08:00\"}");
    f.t = at("2026-01-26T12:00:00+08:00");
    return f;
}

static void free_fleet(fleet *f) {
    size_t i;
    for (i = 0; i < 4; i++) {
        iotcard_card_free(f->cards[i]);
    }
    iotcard_policy_free(f->p);
}

/* Every field of version 1 as this header's struct has it. */
static int same_as_current(const old_assessment *o, const iotcard_assessment *c) {
    int same = o->result == (uint32_t)c->result && o->status == c->status &&
               o->barred == c->barred && o->holds == c->holds && o->can == c->can &&
               o->call_restriction == c->call_restriction &&
               o->manual_suspend_unmet == c->manual_suspend_unmet &&
               o->needs_action == c->needs_action && o->has_next == c->has_next &&
               o->next_change == c->next_change &&
               o->has_retention_ends == c->has_retention_ends &&
               o->has_maintenance_until == c->has_maintenance_until &&
               o->refund_eligible == c->refund_eligible &&
               o->refund_unused_months == c->refund_unused_months &&
               o->balance == c->balance && o->usage_bytes == c->usage_bytes &&
               o->allowance_bytes == c->allowance_bytes &&
               o->overage_bytes == c->overage_bytes && o->overage_charge == c->overage_charge &&
               o->keep_number_fees == c->keep_number_fees && o->next_at_ms == c->next_at_ms &&
               o->retention_ends_ms == c->retention_ends_ms &&
               o->maintenance_until_ms == c->maintenance_until_ms &&
               o->refund_estimate == c->refund_estimate;
    size_t i;
    for (i = 0; i < 16; i++) {
        same = same && o->hold_since_ms[i] == c->hold_since_ms[i] &&
               o->remedies[i] == c->remedies[i];
    }
    return same;
}

/* The fleet's stories show in the old fields (so the comparison means something). */
static void check_stories(const old_assessment *a) {
    CHECK(a[0].status == IOTCARD_STATUS_SUSPENDED);
    CHECK(a[0].holds == IOTCARD_HOLD_ARREARS && a[0].call_restriction == IOTCARD_CALL_CAUSE_ARREARS);
    CHECK(a[0].manual_suspend_unmet == (IOTCARD_CONDITION_ARREARS | IOTCARD_CONDITION_OVER_QUOTA));
    CHECK(a[0].balance == -500 && a[0].overage_bytes == 52428800u && a[0].overage_charge == 250);
    CHECK(a[0].remedies[2] == IOTCARD_REMEDY_PAY_THEN_RESUME);
    CHECK(a[0].hold_since_ms[2] == at("2026-01-25T10:00:00+08:00"));
    CHECK(a[0].remedies[0] == IOTCARD_REMEDY_NONE && a[0].remedies[15] == IOTCARD_REMEDY_NONE);
    CHECK(a[1].holds == IOTCARD_HOLD_EXPIRED && a[1].has_retention_ends);
    CHECK(a[1].retention_ends_ms == at("2027-04-01T00:00:00+08:00"));
    CHECK(a[2].holds == IOTCARD_HOLD_MAINTENANCE && a[2].has_maintenance_until);
    CHECK(a[2].maintenance_until_ms == at("2026-01-28T00:00:00+08:00"));
    CHECK(a[2].has_next && a[2].next_change == IOTCARD_CHANGE_LIFT_MAINTENANCE);
    CHECK(a[3].status == IOTCARD_STATUS_INVENTORY && (a[3].can & IOTCARD_ACTION_ACTIVATE));
}

static void test_single_call_fills_the_old_struct(void) {
    fleet f = make_fleet();
    old_assessment got[4];
    size_t i;
    for (i = 0; i < 4; i++) {
        guarded g;
        iotcard_assessment cur = IOTCARD_ASSESSMENT_INIT;
        /* The card in retention is assessed after its clock. */
        int64_t t = i == 1 ? at("2027-01-02T00:00:00+08:00") : f.t;
        memset(&g, 0xAB, sizeof g);
        g.a.size = sizeof g.a;
        g.canary = CANARY;
        CHECK_RESULT(iotcard_card_assess(f.cards[i], f.p, t, (iotcard_assessment *)&g.a),
                     IOTCARD_RESULT_OK);
        CHECK(g.canary == CANARY);
        CHECK(g.a.size == IOTCARD_ASSESSMENT_SIZE_V1);
        CHECK(g.a.result == IOTCARD_RESULT_OK);
        CHECK_RESULT(iotcard_card_assess(f.cards[i], f.p, t, &cur), IOTCARD_RESULT_OK);
        CHECK(cur.size == sizeof cur && cur.at_ms == t);
        CHECK(same_as_current(&g.a, &cur));
        got[i] = g.a;
    }
    check_stories(got);
    free_fleet(&f);
}

static void test_batch_walks_the_old_array(void) {
    fleet f = make_fleet();
    const iotcard_card *cards[3];
    guarded_array g;
    iotcard_assessment cur = IOTCARD_ASSESSMENT_INIT;
    old_assessment got[4];

    /* Cards 0, NULL, 2: the failed entry in the middle is zero but its result. */
    cards[0] = f.cards[0];
    cards[1] = NULL;
    cards[2] = f.cards[2];
    memset(&g, 0xAB, sizeof g);
    g.canary = CANARY;
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 3, f.t, (iotcard_assessment *)g.a, sizeof g.a[0]),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("cards[1]");
    CHECK(g.canary == CANARY);
    CHECK(g.a[0].size == IOTCARD_ASSESSMENT_SIZE_V1 && g.a[1].size == IOTCARD_ASSESSMENT_SIZE_V1 &&
          g.a[2].size == IOTCARD_ASSESSMENT_SIZE_V1);
    CHECK_RESULT(iotcard_card_assess(f.cards[0], f.p, f.t, &cur), IOTCARD_RESULT_OK);
    CHECK(same_as_current(&g.a[0], &cur));
    CHECK_RESULT(iotcard_card_assess(f.cards[2], f.p, f.t, &cur), IOTCARD_RESULT_OK);
    CHECK(same_as_current(&g.a[2], &cur));
    CHECK(g.a[1].result == IOTCARD_RESULT_NULL_ARGUMENT && g.a[1].status == 0 &&
          g.a[1].balance == 0 && g.a[1].remedies[15] == 0 && g.a[1].hold_since_ms[15] == 0);

    /* Cards 1 (in retention, assessed later), 3: every entry OK. */
    cards[0] = f.cards[0];
    cards[1] = f.cards[2];
    cards[2] = f.cards[3];
    memset(&g, 0xAB, sizeof g);
    g.canary = CANARY;
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 3, f.t, (iotcard_assessment *)g.a, sizeof g.a[0]),
                 IOTCARD_RESULT_OK);
    CHECK(g.canary == CANARY);
    got[0] = g.a[0];
    got[2] = g.a[1];
    got[3] = g.a[2];
    cards[0] = f.cards[1];
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 1, at("2027-01-02T00:00:00+08:00"),
                                      (iotcard_assessment *)g.a, sizeof g.a[0]),
                 IOTCARD_RESULT_OK);
    CHECK(g.canary == CANARY);
    got[1] = g.a[0];
    check_stories(got);
    free_fleet(&f);
}

/* A size smaller than version 1 is refused, naming the field; nothing written. */
static void test_too_small_is_refused(void) {
    fleet f = make_fleet();
    const iotcard_card *cards[3];
    guarded g;
    guarded before;
    guarded_array arr;
    guarded_array arr_before;
    uint32_t sizes[3];
    size_t i;

    sizes[0] = 0;
    sizes[1] = 8;
    sizes[2] = IOTCARD_ASSESSMENT_SIZE_V1 - 8;
    for (i = 0; i < 3; i++) {
        memset(&g, 0xAB, sizeof g);
        g.a.size = sizes[i];
        g.canary = CANARY;
        before = g;
        CHECK_RESULT(iotcard_card_assess(f.cards[0], f.p, f.t, (iotcard_assessment *)&g.a),
                     IOTCARD_RESULT_INVALID_INPUT);
        CHECK_LAST_ERROR_HAS("out.size = ");
        CHECK_LAST_ERROR_HAS("IOTCARD_ASSESSMENT_SIZE_V1");
        CHECK(memcmp(&g, &before, sizeof g) == 0);
    }
    CHECK_LAST_ERROR_HAS("out.size = 248: smaller than the first published iotcard_assessment");

    cards[0] = f.cards[0];
    cards[1] = f.cards[2];
    cards[2] = f.cards[3];
    memset(&arr, 0xAB, sizeof arr);
    arr.canary = CANARY;
    arr_before = arr;
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 3, f.t, (iotcard_assessment *)arr.a,
                                      IOTCARD_ASSESSMENT_SIZE_V1 - 8),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("out_size = 248");
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 3, f.t, (iotcard_assessment *)arr.a, 0),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("out_size = 0");
    /* A stride that is not a multiple of the alignment would misalign the next. */
    CHECK_RESULT(iotcard_assess_batch(f.p, cards, 3, f.t, (iotcard_assessment *)arr.a,
                                      IOTCARD_ASSESSMENT_SIZE_V1 + 4),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("out_size = 260: not a multiple");
    /* Even with nothing to assess, a bad stride is a bug worth reporting. */
    CHECK_RESULT(iotcard_assess_batch(f.p, NULL, 0, f.t, NULL, 4), IOTCARD_RESULT_INVALID_INPUT);
    CHECK(memcmp(&arr, &arr_before, sizeof arr) == 0);
    free_fleet(&f);
}

/* A size between two versions gets the older; a program newer than the
 * library gets every field the library knows, `size` says how many bytes, and
 * the bytes past them are left as the program set them. */
static void test_sizes_between_and_beyond(void) {
    fleet f = make_fleet();
    struct {
        iotcard_assessment a;
        uint8_t newer_fields[24];
        uint64_t canary;
    } big;
    const iotcard_card *cards[2];
    iotcard_assessment cur = IOTCARD_ASSESSMENT_INIT;
    guarded g;
    size_t i;

    memset(&g, 0xAB, sizeof g);
    g.a.size = IOTCARD_ASSESSMENT_SIZE_V2 - 4;
    g.canary = CANARY;
    CHECK_RESULT(iotcard_card_assess(f.cards[0], f.p, f.t, (iotcard_assessment *)&g.a),
                 IOTCARD_RESULT_OK);
    CHECK(g.a.size == IOTCARD_ASSESSMENT_SIZE_V1 && g.canary == CANARY);

    memset(&big, 0xAB, sizeof big);
    big.a.size = sizeof big.a + sizeof big.newer_fields;
    big.canary = CANARY;
    CHECK_RESULT(iotcard_card_assess(f.cards[0], f.p, f.t, &big.a), IOTCARD_RESULT_OK);
    CHECK(big.a.size == IOTCARD_ASSESSMENT_SIZE_V2 && big.a.at_ms == f.t);
    CHECK_RESULT(iotcard_card_assess(f.cards[0], f.p, f.t, &cur), IOTCARD_RESULT_OK);
    CHECK(same_as_current((const old_assessment *)&big.a, &cur));
    for (i = 0; i < sizeof big.newer_fields; i++) {
        CHECK(big.newer_fields[i] == 0xAB);
    }
    CHECK(big.canary == CANARY);

    /* The same in a batch, with the newer program's stride. */
    {
        struct newer {
            iotcard_assessment a;
            int64_t newer_field;
        } arr[2];
        cards[0] = f.cards[0];
        cards[1] = f.cards[3];
        memset(arr, 0xAB, sizeof arr);
        CHECK_RESULT(iotcard_assess_batch(f.p, cards, 2, f.t, &arr[0].a, sizeof arr[0]),
                     IOTCARD_RESULT_OK);
        CHECK(arr[0].a.size == IOTCARD_ASSESSMENT_SIZE_V2 && arr[1].a.size == IOTCARD_ASSESSMENT_SIZE_V2);
        CHECK(same_as_current((const old_assessment *)&arr[0].a, &cur) && arr[0].a.at_ms == f.t);
        CHECK(arr[1].a.status == IOTCARD_STATUS_INVENTORY && arr[1].a.at_ms == f.t);
        CHECK(arr[0].newer_field == (int64_t)0xABABABABABABABABu &&
              arr[1].newer_field == (int64_t)0xABABABABABABABABu);
    }
    free_fleet(&f);
}

int main(void) {
    RUN(test_single_call_fills_the_old_struct);
    RUN(test_batch_walks_the_old_array);
    RUN(test_too_small_is_refused);
    RUN(test_sizes_between_and_beyond);
    return h_finish();
}

/*
 * Threads: one policy shared by several threads at once, each thread with its
 * own cards (applying events, advancing, assessing one by one and in batches),
 * and the last error per thread. run-tests.sh runs it under valgrind, under
 * AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer.
 *
 * Every thread plays the same story on its own cards, so every thread must end
 * with the same state JSON and the same assessments, equal to what the main
 * thread computes alone.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iotcard.h"

#define S(s) (s), strlen(s)
#define THREADS 8
#define CARDS 3
#define ROUNDS 20

static const char POLICY[] =
    "{\"low_balance\": 300, \"auto_resume_on_payment\": true, \"overage_rate_per_mb\": 2}";
static const char NEW_CARD[] =
    "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"balance\": 1000,"
    " \"auto_suspend\": true,"
    " \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\", \"end\": \"2027-01-01T00:00:00+08:00\","
    " \"period\": \"month\", \"quota_bytes\": 1048576, \"monthly_fee\": 1000}}";

/* The story: (instant, event) pairs, some of them refused. */
static const char *const STORY[][2] = {
    {"2026-01-05T10:00:00+08:00", "{\"type\": \"activate\", \"imei\": \"490154203237518\"}"},
    {"2026-01-10T00:00:00+08:00", "{\"type\": \"usage\", \"bytes\": 2097152}"},
    {"2026-01-11T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 900}"},
    {"2026-01-12T00:00:00+08:00", "{\"type\": \"manual_resume\"}"}, /* refused */
    {"2026-01-13T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 0}"}, /* refused */
    {"2026-01-14T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 500}"},
    {"2026-01-15T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 1000}"},
    {"2026-01-16T00:00:00+08:00", "{\"type\": \"top_up\", \"bytes\": 2097152}"},
    {"2026-01-01T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 5}"}, /* refused */
    {"2026-03-01T00:00:00+08:00", "{\"type\": \"maintenance\", \"until\": \"2026-03-02T00:00:00+08:00\"}"},
};
#define STORY_LEN (sizeof STORY / sizeof STORY[0])

static const iotcard_policy *shared_policy;

/* What one thread saw. */
typedef struct {
    int failures;             /* checks that failed in the thread */
    char *state;              /* the last card's state JSON (library string) */
    iotcard_assessment final; /* its assessment at the end */
} outcome;

static int64_t ms(const char *rfc3339) {
    int64_t t = 0;
    if (iotcard_instant_parse(S(rfc3339), &t) != IOTCARD_RESULT_OK) {
        return INT64_MIN;
    }
    return t;
}

/* Field by field: the struct has padding bytes, which a byte compare would read. */
static int same(const iotcard_assessment *a, const iotcard_assessment *b) {
    int i;
    if (a->result != b->result || a->status != b->status || a->barred != b->barred ||
        a->holds != b->holds || a->can != b->can || a->call_restriction != b->call_restriction ||
        a->manual_suspend_unmet != b->manual_suspend_unmet || a->needs_action != b->needs_action ||
        a->has_next != b->has_next || a->next_change != b->next_change ||
        a->has_retention_ends != b->has_retention_ends ||
        a->has_maintenance_until != b->has_maintenance_until ||
        a->refund_eligible != b->refund_eligible ||
        a->refund_unused_months != b->refund_unused_months || a->balance != b->balance ||
        a->usage_bytes != b->usage_bytes || a->allowance_bytes != b->allowance_bytes ||
        a->overage_bytes != b->overage_bytes || a->overage_charge != b->overage_charge ||
        a->keep_number_fees != b->keep_number_fees || a->next_at_ms != b->next_at_ms ||
        a->retention_ends_ms != b->retention_ends_ms ||
        a->maintenance_until_ms != b->maintenance_until_ms ||
        a->refund_estimate != b->refund_estimate || a->size != b->size || a->at_ms != b->at_ms) {
        return 0;
    }
    for (i = 0; i < IOTCARD_HOLD_CAPACITY; i++) {
        if (a->hold_since_ms[i] != b->hold_since_ms[i] || a->remedies[i] != b->remedies[i]) {
            return 0;
        }
    }
    return 1;
}

/* Plays the story on `n` cards of the calling thread; counts failed checks. */
static int play(iotcard_card **cards, int n) {
    int bad = 0;
    size_t step;
    int i;
    for (step = 0; step < STORY_LEN; step++) {
        for (i = 0; i < n; i++) {
            iotcard_card *repl = NULL;
            char *before = NULL;
            char *after = NULL;
            iotcard_result r;
            if (iotcard_card_to_json(cards[i], &before) != IOTCARD_RESULT_OK) {
                return bad + 1;
            }
            r = iotcard_card_apply(cards[i], shared_policy, ms(STORY[step][0]), S(STORY[step][1]),
                                   &repl, NULL);
            if (repl != NULL) {
                iotcard_card_free(repl);
                bad++;
            }
            if (r != IOTCARD_RESULT_OK) {
                char msg[512];
                size_t len = 0;
                /* The refusal is this thread's last error, and the card is as it was. */
                if (iotcard_last_error_message(msg, sizeof msg, &len) != IOTCARD_RESULT_OK ||
                    len == 0) {
                    bad++;
                }
                if (iotcard_card_to_json(cards[i], &after) != IOTCARD_RESULT_OK ||
                    strcmp(before, after) != 0) {
                    bad++;
                }
                iotcard_string_free(after);
            }
            iotcard_string_free(before);
        }
    }
    return bad;
}

static void *worker(void *arg) {
    outcome *out = (outcome *)arg;
    iotcard_card *cards[CARDS];
    const iotcard_card *view[CARDS];
    iotcard_assessment batch[CARDS];
    iotcard_assessment one = IOTCARD_ASSESSMENT_INIT;
    int i;
    int round;
    int64_t end = ms("2026-03-01T12:00:00+08:00");

    for (i = 0; i < CARDS; i++) {
        if (iotcard_card_new(S(NEW_CARD), &cards[i]) != IOTCARD_RESULT_OK) {
            out->failures++;
            return NULL;
        }
        view[i] = cards[i];
    }
    out->failures += play(cards, CARDS);
    /* Assess over and over, one by one, as JSON and in batches, while the other
     * threads do the same with the same policy. */
    for (round = 0; round < ROUNDS; round++) {
        char *json = NULL;
        if (iotcard_assess_batch(shared_policy, view, CARDS, end, batch, sizeof batch[0]) != IOTCARD_RESULT_OK) {
            out->failures++;
        }
        for (i = 0; i < CARDS; i++) {
            if (iotcard_card_assess(cards[i], shared_policy, end, &one) != IOTCARD_RESULT_OK ||
                !same(&one, &batch[i])) {
                out->failures++;
            }
        }
        if (iotcard_card_assess_json(cards[0], shared_policy, end, &json) != IOTCARD_RESULT_OK ||
            strstr(json, "\"maintenance\"") == NULL) {
            out->failures++;
        }
        iotcard_string_free(json);
        /* A refused advance (earlier than the card's clock) on its own card. */
        if (iotcard_card_advance(cards[round % CARDS], shared_policy, 0, NULL) !=
            IOTCARD_RESULT_OUT_OF_ORDER) {
            out->failures++;
        }
    }
    for (i = 1; i < CARDS; i++) {
        if (!same(&batch[0], &batch[i])) {
            out->failures++;
        }
    }
    out->final = batch[0];
    if (iotcard_card_to_json(cards[0], &out->state) != IOTCARD_RESULT_OK) {
        out->failures++;
    }
    for (i = 0; i < CARDS; i++) {
        iotcard_card_free(cards[i]);
    }
    return NULL;
}

static void test_one_policy_many_threads(void) {
    pthread_t threads[THREADS];
    outcome outcomes[THREADS];
    outcome alone;
    iotcard_policy *policy = NULL;
    int i;

    CHECK_RESULT(iotcard_policy_from_json(S(POLICY), &policy), IOTCARD_RESULT_OK);
    shared_policy = policy;
    /* The main thread alone first: the expected outcome. */
    memset(&alone, 0, sizeof alone);
    worker(&alone);
    CHECK(alone.failures == 0);
    CHECK(alone.state != NULL);
    CHECK(alone.final.status == IOTCARD_STATUS_SUSPENDED);
    CHECK(alone.final.holds == IOTCARD_HOLD_MAINTENANCE);

    memset(outcomes, 0, sizeof outcomes);
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, worker, &outcomes[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(outcomes[i].failures == 0);
        CHECK(outcomes[i].state != NULL && alone.state != NULL &&
              strcmp(outcomes[i].state, alone.state) == 0);
        CHECK(same(&outcomes[i].final, &alone.final));
        iotcard_string_free(outcomes[i].state);
    }
    iotcard_string_free(alone.state);
    iotcard_policy_free(policy);
}

/* Each thread's last error is its own, even when all fail at once. */
typedef struct {
    int index;
    int ok;
} last_error_case;

static void *fail_own_way(void *arg) {
    last_error_case *c = (last_error_case *)arg;
    char json[64];
    char msg[256];
    char want[64];
    size_t n = 0;
    iotcard_policy *p = NULL;
    int round;
    c->ok = 1;
    snprintf(json, sizeof json, "{\"credit_limit\": -%d}", c->index + 1);
    snprintf(want, sizeof want, "policy.credit_limit = -%d:", c->index + 1);
    for (round = 0; round < 50; round++) {
        if (iotcard_policy_from_json(S(json), &p) != IOTCARD_RESULT_INVALID_INPUT || p != NULL ||
            iotcard_last_error_message(msg, sizeof msg, &n) != IOTCARD_RESULT_OK ||
            strstr(msg, want) == NULL) {
            c->ok = 0;
        }
    }
    return NULL;
}

static void test_last_error_is_per_thread(void) {
    pthread_t threads[THREADS];
    last_error_case cases[THREADS];
    int i;
    for (i = 0; i < THREADS; i++) {
        cases[i].index = i;
        cases[i].ok = 0;
        CHECK(pthread_create(&threads[i], NULL, fail_own_way, &cases[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(cases[i].ok);
    }
}

int main(void) {
    RUN(test_one_policy_many_threads);
    RUN(test_last_error_is_per_thread);
    return h_finish();
}

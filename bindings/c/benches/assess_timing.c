/*
 * Time per iotcard_card_assess call from C, through the shared library, on the
 * same card as benches/assess.rs (compare with its "native Card::assess").
 * A measuring tool, not a test: see bindings/c/README.md for the commands.
 *
 *   assess_timing [ITERATIONS]   (default 2000000)
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotcard.h"

#define S(s) (s), strlen(s)

static const char CARD[] =
    "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"auto_suspend\": true,"
    " \"balance\": 1000, \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\","
    " \"end\": \"2027-01-01T00:00:00+08:00\", \"period\": \"month\", \"quota_bytes\": 104857600,"
    " \"monthly_fee\": 1000}}";
static const char POLICY[] = "{\"low_balance\": 300, \"overage_rate_per_mb\": 5}";
static const char *const EVENTS[][2] = {
    {"2026-01-05T10:00:00+08:00", "{\"type\": \"activate\", \"imei\": \"490154203237518\"}"},
    {"2026-01-20T10:00:00+08:00",
     "{\"type\": \"usage\", \"bytes\": 52428800, \"imei\": \"490154203237518\"}"},
    {"2026-01-25T10:00:00+08:00", "{\"type\": \"charge\", \"amount\": 800}"},
};

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000L;
    iotcard_policy *policy = NULL;
    iotcard_card *card = NULL;
    iotcard_card *replacement = NULL;
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;
    int64_t at = 0;
    uint64_t sink = 0;
    double t0, t1;
    long i;
    size_t e;

    if (iotcard_policy_from_json(S(POLICY), &policy) != IOTCARD_RESULT_OK ||
        iotcard_card_new(S(CARD), &card) != IOTCARD_RESULT_OK) {
        return 1;
    }
    for (e = 0; e < sizeof EVENTS / sizeof EVENTS[0]; e++) {
        if (iotcard_instant_parse(S(EVENTS[e][0]), &at) != IOTCARD_RESULT_OK ||
            iotcard_card_apply(card, policy, at, S(EVENTS[e][1]), &replacement, NULL) !=
                IOTCARD_RESULT_OK) {
            return 1;
        }
    }
    if (iotcard_instant_parse(S("2026-01-26T00:00:00+08:00"), &at) != IOTCARD_RESULT_OK) {
        return 1;
    }
    for (i = 0; i < iterations / 10; i++) { /* warm up */
        iotcard_card_assess(card, policy, at, &a);
    }
    t0 = now_ns();
    for (i = 0; i < iterations; i++) {
        if (iotcard_card_assess(card, policy, at, &a) != IOTCARD_RESULT_OK) {
            return 1;
        }
        sink += a.holds;
    }
    t1 = now_ns();
    printf("iotcard_card_assess from C: %.1f ns per call (%ld calls, holds 0x%x, sink %llu)\n",
           (t1 - t0) / (double)iterations, iterations, (unsigned)a.holds,
           (unsigned long long)sink);
    iotcard_card_free(card);
    iotcard_policy_free(policy);
    return 0;
}

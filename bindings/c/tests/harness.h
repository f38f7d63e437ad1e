/*
 * A tiny test harness for the C tests of iotcard (C11 and C++17).
 *
 * A test is a function; CHECK and CHECK_RESULT record failures without stopping
 * it. h_finish prints "N passed, N failed" (tests, not checks) and returns the
 * exit status.
 */
#ifndef IOTCARD_TEST_HARNESS_H
#define IOTCARD_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "iotcard.h"

static int h_check_failures;
static int h_passed;
static int h_failed;

static inline void h_check(int ok, const char *what, const char *file, int line) {
    if (!ok) {
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
        h_check_failures++;
    }
}

/* The calling thread's last error message (a static buffer). */
static inline const char *last_error(void) {
    static char buf[2048];
    size_t n = 0;
    if (iotcard_last_error_message(buf, sizeof buf, &n) != IOTCARD_RESULT_OK) {
        return "(last error message unavailable)";
    }
    return buf;
}

static inline void h_check_result(uint32_t got, uint32_t want, const char *what,
                                  const char *file, int line) {
    if (got != want) {
        const char *g = iotcard_result_name(got);
        const char *w = iotcard_result_name(want);
        fprintf(stderr, "%s:%d: %s: got %s (%u), want %s (%u); last error: %s\n", file, line,
                what, g ? g : "?", (unsigned)got, w ? w : "?", (unsigned)want, last_error());
        h_check_failures++;
    }
}

#define CHECK(cond) h_check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define CHECK_RESULT(expr, want) \
    h_check_result((uint32_t)(expr), (uint32_t)(want), #expr, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
    h_check((got) != NULL && strcmp((got), (want)) == 0, #got " == " #want, __FILE__, __LINE__)
/* Whether the last error message contains `part`. */
#define CHECK_LAST_ERROR_HAS(part) \
    h_check(strstr(last_error(), (part)) != NULL, "last error has " #part, __FILE__, __LINE__)

static inline void h_run(const char *name, void (*test)(void)) {
    int before = h_check_failures;
    test();
    if (h_check_failures == before) {
        h_passed++;
    } else {
        h_failed++;
        fprintf(stderr, "FAILED: %s\n", name);
    }
}

#define RUN(test) h_run(#test, test)

static inline int h_finish(void) {
    printf("%d passed, %d failed\n", h_passed, h_failed);
    return h_failed == 0 ? 0 : 1;
}

#endif /* IOTCARD_TEST_HARNESS_H */

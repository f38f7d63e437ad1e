/*
 * Every function of the C API, every result code and every NULL argument.
 * Builds as C11 and as C++17 (the same file proves the header's C++ guards).
 * Needs the library built with the `testing` feature (iotcard_testing_panic).
 */
#define IOTCARD_TESTING 1

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iotcard.h"

/* A string argument as pointer and length. */
#define S(s) (s), strlen(s)

static const char NEW_CARD[] =
    "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"balance\": 1000,"
    " \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\", \"end\": \"2027-01-01T00:00:00+08:00\","
    " \"period\": \"month\", \"quota_bytes\": 104857600, \"monthly_fee\": 1000}}";
static const char ACTIVATE[] = "{\"type\": \"activate\", \"imei\": \"490154203237518\"}";

/* A sentinel for outputs that must stay unwritten on failure. */
static char SENTINEL_BYTE;
#define SENTINEL_PTR ((void *)&SENTINEL_BYTE)

static int64_t at(const char *rfc3339) {
    int64_t ms = 0;
    CHECK_RESULT(iotcard_instant_parse(S(rfc3339), &ms), IOTCARD_RESULT_OK);
    return ms;
}

static iotcard_policy *policy_of(const char *json) {
    iotcard_policy *p = NULL;
    CHECK_RESULT(iotcard_policy_from_json(S(json), &p), IOTCARD_RESULT_OK);
    return p;
}

static iotcard_card *new_card(void) {
    iotcard_card *c = NULL;
    CHECK_RESULT(iotcard_card_new(S(NEW_CARD), &c), IOTCARD_RESULT_OK);
    return c;
}

/* A new card activated on 2026-01-05 at 10:00 (+08:00). */
static iotcard_card *active_card(const iotcard_policy *p) {
    iotcard_card *c = new_card();
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-01-05T10:00:00+08:00"), S(ACTIVATE), &repl,
                                    NULL),
                 IOTCARD_RESULT_OK);
    CHECK(repl == NULL);
    return c;
}

/* The card's state JSON (caller frees with iotcard_string_free). */
static char *state(const iotcard_card *c) {
    char *s = NULL;
    CHECK_RESULT(iotcard_card_to_json(c, &s), IOTCARD_RESULT_OK);
    return s;
}

/* Applies `event` at `when`; expects `want`, and on failure an unchanged card
 * and unwritten outputs. */
static void apply_expect(iotcard_card *c, const iotcard_policy *p, const char *when,
                         const char *event, iotcard_result want) {
    char *before = state(c);
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    char *changes = (char *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_apply(c, p, at(when), S(event), &repl, &changes), want);
    if (want != IOTCARD_RESULT_OK) {
        char *after = state(c);
        CHECK(strcmp(before, after) == 0);
        CHECK(repl == (iotcard_card *)SENTINEL_PTR);
        CHECK(changes == (char *)SENTINEL_PTR);
        iotcard_string_free(after);
    } else {
        CHECK(changes != (char *)SENTINEL_PTR && changes != NULL);
        if (changes != (char *)SENTINEL_PTR) {
            iotcard_string_free(changes);
        }
        if (repl != (iotcard_card *)SENTINEL_PTR) {
            iotcard_card_free(repl);
        }
    }
    iotcard_string_free(before);
}

/* ---- version, results, names ------------------------------------------ */

static void test_version(void) {
    char expected[64];
    CHECK_STR(iotcard_version(), IOTCARD_VERSION);
    snprintf(expected, sizeof expected, "%d.%d.%d", IOTCARD_VERSION_MAJOR, IOTCARD_VERSION_MINOR,
             IOTCARD_VERSION_PATCH);
    CHECK_STR(iotcard_version(), expected);
}

static void test_result_names_and_messages(void) {
    static const struct {
        uint32_t value;
        const char *name;
    } results[] = {
        {IOTCARD_RESULT_OK, "ok"},
        {IOTCARD_RESULT_INVALID_INPUT, "invalid_input"},
        {IOTCARD_RESULT_OUT_OF_ORDER, "out_of_order"},
        {IOTCARD_RESULT_TERMINAL, "terminal"},
        {IOTCARD_RESULT_NOT_ACTIVATED, "not_activated"},
        {IOTCARD_RESULT_ALREADY_ACTIVATED, "already_activated"},
        {IOTCARD_RESULT_MANUAL_SUSPEND_NOT_ALLOWED, "manual_suspend_not_allowed"},
        {IOTCARD_RESULT_ARREARS_OUTSTANDING, "arrears_outstanding"},
        {IOTCARD_RESULT_NOTHING_TO_LIFT, "nothing_to_lift"},
        {IOTCARD_RESULT_NULL_ARGUMENT, "null_argument"},
        {IOTCARD_RESULT_INVALID_UTF8, "invalid_utf8"},
        {IOTCARD_RESULT_BUFFER_TOO_SMALL, "buffer_too_small"},
        {IOTCARD_RESULT_PANIC, "panic"},
    };
    static const uint32_t unknown[] = {9, 99, 104, 1000, UINT32_MAX};
    size_t i;
    CHECK(sizeof(iotcard_result) == 4);
    for (i = 0; i < sizeof results / sizeof results[0]; i++) {
        const char *msg = iotcard_result_message(results[i].value);
        CHECK_STR(iotcard_result_name(results[i].value), results[i].name);
        CHECK(msg != NULL && msg[0] != '\0' && strcmp(msg, "unknown result") != 0);
    }
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(iotcard_result_name(unknown[i]) == NULL);
        CHECK_STR(iotcard_result_message(unknown[i]), "unknown result");
    }
    CHECK_STR(iotcard_result_message(IOTCARD_RESULT_OK), "ok");
    CHECK_STR(iotcard_result_message(IOTCARD_RESULT_BUFFER_TOO_SMALL), "buffer too small");
}

static void test_names_of_constants(void) {
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_INVENTORY), "inventory");
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_ACTIVE), "active");
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_RESTRICTED), "restricted");
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_SUSPENDED), "suspended");
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_CANCELLED), "cancelled");
    CHECK_STR(iotcard_status_name(IOTCARD_STATUS_REPLACED), "replaced");
    CHECK(iotcard_status_name(6) == NULL);

    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_MANUAL), "manual");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_OVER_QUOTA), "over_quota");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_ARREARS), "arrears");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_LOW_BALANCE), "low_balance");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_EXPIRED), "expired");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_DEVICE_MISMATCH), "device_mismatch");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_RESTRICTED_REGION), "restricted_region");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_MAINTENANCE), "maintenance");
    CHECK_STR(iotcard_hold_name(IOTCARD_HOLD_LOST), "lost");
    CHECK(iotcard_hold_name(0) == NULL);
    CHECK(iotcard_hold_name(IOTCARD_HOLD_MANUAL | IOTCARD_HOLD_LOST) == NULL);
    CHECK(iotcard_hold_name(1u << IOTCARD_HOLD_COUNT) == NULL);
    CHECK(IOTCARD_HOLD_COUNT == 9);

    CHECK_STR(iotcard_service_name(IOTCARD_SERVICE_DATA), "data");
    CHECK_STR(iotcard_service_name(IOTCARD_SERVICE_VOICE_OUTGOING), "voice_outgoing");
    CHECK_STR(iotcard_service_name(IOTCARD_SERVICE_VOICE_INCOMING), "voice_incoming");
    CHECK_STR(iotcard_service_name(IOTCARD_SERVICE_SMS), "sms");
    CHECK(iotcard_service_name(1u << 4) == NULL);

    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_ACTIVATE), "activate");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_MANUAL_SUSPEND), "manual_suspend");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_MANUAL_RESUME), "manual_resume");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_RENEW), "renew");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_REBIND), "rebind");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_OPERATOR_RELEASE), "operator_release");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_REPORT_LOST), "report_lost");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_REPLACE), "replace");
    CHECK_STR(iotcard_action_name(IOTCARD_ACTION_CANCEL), "cancel");
    CHECK(iotcard_action_name(1u << 9) == NULL);

    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_LIFT_OVER_QUOTA), "lift_over_quota");
    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_EXPIRE), "expire");
    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_KEEP_NUMBER_FEE), "keep_number_fee");
    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_CANCEL), "cancel");
    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_LIFT_MAINTENANCE), "lift_maintenance");
    CHECK_STR(iotcard_change_name(IOTCARD_CHANGE_DORMANCY_CANCEL), "dormancy_cancel");
    CHECK(iotcard_change_name(6) == NULL);

    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_MANUAL_RESUME), "manual_resume");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_BUY_DATA_PACKAGE), "buy_data_package");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_PAY_THEN_RESUME), "pay_then_resume");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_PAY), "pay");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_TOP_UP), "top_up");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_RENEW), "renew");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_REBIND_DEVICE), "rebind_device");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_CONTACT_OPERATOR), "contact_operator");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_WAIT_MAINTENANCE_END), "wait_maintenance_end");
    CHECK_STR(iotcard_remedy_name(IOTCARD_REMEDY_REPLACE_CARD), "replace_card");
    CHECK(iotcard_remedy_name(IOTCARD_REMEDY_NONE) == NULL);
    CHECK(iotcard_remedy_name(10) == NULL);

    CHECK_STR(iotcard_call_cause_name(IOTCARD_CALL_CAUSE_ARREARS), "arrears");
    CHECK_STR(iotcard_call_cause_name(IOTCARD_CALL_CAUSE_LOW_BALANCE), "low_balance");
    CHECK_STR(iotcard_call_cause_name(IOTCARD_CALL_CAUSE_LOST), "lost");
    CHECK_STR(iotcard_call_cause_name(IOTCARD_CALL_CAUSE_CONTACT_OPERATOR), "contact_operator");
    CHECK(iotcard_call_cause_name(1u << 4) == NULL);

    CHECK_STR(iotcard_condition_name(IOTCARD_CONDITION_PLAN_NOT_VALID), "plan_not_valid");
    CHECK_STR(iotcard_condition_name(IOTCARD_CONDITION_ARREARS), "arrears");
    CHECK_STR(iotcard_condition_name(IOTCARD_CONDITION_OVER_QUOTA), "over_quota");
    CHECK_STR(iotcard_condition_name(IOTCARD_CONDITION_ALREADY_SUSPENDED), "already_suspended");
    CHECK(iotcard_condition_name(1u << 4) == NULL);
}

/* ---- policy ------------------------------------------------------------ */

static void test_policy(void) {
    iotcard_policy *p = (iotcard_policy *)SENTINEL_PTR;
    /* Not NUL-terminated: only the first two bytes count. */
    CHECK_RESULT(iotcard_policy_from_json("{}garbage", 2, &p), IOTCARD_RESULT_OK);
    CHECK(p != NULL && p != (iotcard_policy *)SENTINEL_PTR);
    iotcard_policy_free(p);

    p = policy_of("{\"low_balance\": 300, \"timezone\": \"+00:00\", \"auto_resume_on_payment\": true}");
    iotcard_policy_free(p);

    p = (iotcard_policy *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_policy_from_json(S("{\"retention_monts\": 3}"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("retention_monts");
    CHECK_RESULT(iotcard_policy_from_json(S("{\"low_balance\": -1}"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("policy.low_balance");
    CHECK_LAST_ERROR_HAS("-1");
    /* An array is never read by position. */
    CHECK_RESULT(iotcard_policy_from_json(S("[]"), &p), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("must be a JSON object");
    CHECK_RESULT(iotcard_policy_from_json(S("[\"+08:00\", 3, 99999]"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("policy");
    CHECK_RESULT(iotcard_policy_from_json(S("{"), &p), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_policy_from_json("", 0, &p), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_policy_from_json(S("{\"timezone\": \"\xff\"}"), &p),
                 IOTCARD_RESULT_INVALID_UTF8);
    CHECK_LAST_ERROR_HAS("`json` at byte 14");
    CHECK_RESULT(iotcard_policy_from_json(NULL, 2, &p), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`json`");
    CHECK_RESULT(iotcard_policy_from_json(S("{}"), NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`out`");
    CHECK(p == (iotcard_policy *)SENTINEL_PTR);
    iotcard_policy_free(NULL);
}

/* ---- card: new, state, identity ----------------------------------------- */

static void test_card_new(void) {
    iotcard_card *c = (iotcard_card *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_new(S(NEW_CARD), &c), IOTCARD_RESULT_OK);
    CHECK(c != NULL && c != (iotcard_card *)SENTINEL_PTR);
    iotcard_card_free(c);

    c = (iotcard_card *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_new(S("{\"iccid\": \"89860012345678901239\", \"msisdn\": "
                                    "\"1440012345678\", \"plan\": {}}"),
                                  &c),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("card.iccid");
    CHECK_RESULT(iotcard_card_new(S("{\"iccid\": \"89860012345678901238\", \"msisdn\": "
                                    "\"1440012345678\", \"plan\": [\"2026-01-01T00:00:00Z\", "
                                    "\"2027-01-01T00:00:00Z\", \"month\", 1, 0]}"),
                                  &c),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("card.plan = [");
    CHECK_LAST_ERROR_HAS("must be a JSON object");
    CHECK_RESULT(iotcard_card_new(S("{\"iccid\": \"\xc3\x28\"}"), &c), IOTCARD_RESULT_INVALID_UTF8);
    CHECK_RESULT(iotcard_card_new(NULL, 0, &c), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_new(S(NEW_CARD), NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(c == (iotcard_card *)SENTINEL_PTR);
    iotcard_card_free(NULL);
    iotcard_string_free(NULL);
}

static void test_card_state_round_trip(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = active_card(p);
    iotcard_card *loaded = (iotcard_card *)SENTINEL_PTR;
    char *s1 = state(c);
    char *s2;
    char *out = (char *)SENTINEL_PTR;

    CHECK(strstr(s1, "\"version\":1") != NULL);
    CHECK_RESULT(iotcard_card_from_json(S(s1), &loaded), IOTCARD_RESULT_OK);
    s2 = state(loaded);
    CHECK(strcmp(s1, s2) == 0);
    iotcard_card_free(loaded);
    iotcard_string_free(s2);

    loaded = (iotcard_card *)SENTINEL_PTR;
    {
        /* A state version this library does not read. */
        char *bad = (char *)malloc(strlen(s1) + 1);
        char *v;
        strcpy(bad, s1);
        v = strstr(bad, "\"version\":1");
        CHECK(v != NULL);
        if (v != NULL) {
            v[10] = '7';
        }
        CHECK_RESULT(iotcard_card_from_json(S(bad), &loaded), IOTCARD_RESULT_INVALID_INPUT);
        CHECK_LAST_ERROR_HAS("state.version");
        free(bad);
    }
    CHECK_RESULT(iotcard_card_from_json(S("{\"version\": 1}"), &loaded),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_card_from_json(S("\"\xfe\""), &loaded), IOTCARD_RESULT_INVALID_UTF8);
    CHECK_RESULT(iotcard_card_from_json(NULL, 1, &loaded), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_from_json(S(s1), NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(loaded == (iotcard_card *)SENTINEL_PTR);

    CHECK_RESULT(iotcard_card_to_json(NULL, &out), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_to_json(c, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(out == (char *)SENTINEL_PTR);

    iotcard_string_free(s1);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_card_identity_buffers(void) {
    iotcard_card *c = new_card();
    char buf[32];
    size_t n = 12345;

    CHECK_RESULT(iotcard_card_iccid(c, buf, sizeof buf, &n), IOTCARD_RESULT_OK);
    CHECK_STR(buf, "89860012345678901238");
    CHECK(n == 20);
    /* Exactly enough: 20 digits and the NUL. */
    n = 0;
    CHECK_RESULT(iotcard_card_iccid(c, buf, 21, &n), IOTCARD_RESULT_OK);
    CHECK(n == 20);
    /* One byte short: nothing written, the length reported. */
    memset(buf, 'x', sizeof buf);
    n = 0;
    CHECK_RESULT(iotcard_card_iccid(c, buf, 20, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 20);
    CHECK(buf[0] == 'x' && buf[19] == 'x');
    CHECK_LAST_ERROR_HAS("21 needed");
    n = 7;
    CHECK_RESULT(iotcard_card_iccid(c, buf, 0, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 20);

    CHECK_RESULT(iotcard_card_msisdn(c, buf, sizeof buf, &n), IOTCARD_RESULT_OK);
    CHECK_STR(buf, "1440012345678");
    CHECK(n == 13);
    CHECK_RESULT(iotcard_card_msisdn(c, buf, 13, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 13);

    n = 99;
    CHECK_RESULT(iotcard_card_iccid(NULL, buf, sizeof buf, &n), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_iccid(c, NULL, sizeof buf, &n), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_iccid(c, buf, sizeof buf, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_msisdn(NULL, buf, sizeof buf, &n), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_msisdn(c, NULL, sizeof buf, &n), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_msisdn(c, buf, sizeof buf, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(n == 99);
    iotcard_card_free(c);
}

/* ---- apply: every core error code -------------------------------------- */

static void test_apply_success_and_changes(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = new_card();
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    char *changes = NULL;

    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-01-05T10:00:00+08:00"), S(ACTIVATE), &repl,
                                    &changes),
                 IOTCARD_RESULT_OK);
    CHECK(repl == NULL);
    CHECK(changes != NULL && changes[0] == '[');
    CHECK(changes != NULL && strstr(changes, "\"to\":\"active\"") != NULL);
    iotcard_string_free(changes);

    /* Without the audit trail. */
    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-02-01T00:00:00+08:00"),
                                    S("{\"type\": \"charge\", \"amount\": 300}"), &repl, NULL),
                 IOTCARD_RESULT_OK);
    CHECK(repl == NULL);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_card_clock_and_status(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = new_card();
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    uint8_t status = 99;
    bool has_clock = true;
    int64_t ms = 12345;

    /* A new card: in inventory, no clock yet, *out_ms left as it was. */
    CHECK_RESULT(iotcard_card_status(c, &status), IOTCARD_RESULT_OK);
    CHECK(status == IOTCARD_STATUS_INVENTORY);
    CHECK_RESULT(iotcard_card_clock(c, &has_clock, &ms), IOTCARD_RESULT_OK);
    CHECK(!has_clock && ms == 12345);

    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-01-05T10:00:00+08:00"), S(ACTIVATE), &repl,
                                    NULL),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_status(c, &status), IOTCARD_RESULT_OK);
    CHECK(status == IOTCARD_STATUS_ACTIVE);
    CHECK_RESULT(iotcard_card_clock(c, &has_clock, &ms), IOTCARD_RESULT_OK);
    CHECK(has_clock && ms == at("2026-01-05T10:00:00+08:00"));

    /* A charge below zero (1000 - 1500) puts arrears on: suspended, the clock at the charge. */
    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-02-01T00:00:00+08:00"),
                                    S("{\"type\": \"charge\", \"amount\": 1500}"), &repl, NULL),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_status(c, &status), IOTCARD_RESULT_OK);
    CHECK(status == IOTCARD_STATUS_SUSPENDED);
    CHECK_RESULT(iotcard_card_clock(c, &has_clock, &ms), IOTCARD_RESULT_OK);
    CHECK(has_clock && ms == at("2026-02-01T00:00:00+08:00"));

    CHECK_RESULT(iotcard_card_status(NULL, &status), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_status(c, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_clock(NULL, &has_clock, &ms), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_clock(c, NULL, &ms), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_clock(c, &has_clock, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_apply_errors(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *fresh = new_card();
    iotcard_card *c = active_card(p);
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;

    /* invalid_input: a zero amount, an unknown event, bad JSON, at_ms out of range. */
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 0}",
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("event.amount");
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"recharge\"}",
                 IOTCARD_RESULT_INVALID_INPUT);
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "not json", IOTCARD_RESULT_INVALID_INPUT);
    /* An event given as an array: refused, the card unchanged. */
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "[\"charge\", 100]",
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("must be a JSON object");
    CHECK_RESULT(iotcard_card_apply(c, p, INT64_MAX, S("{\"type\": \"cancel\"}"), &repl, NULL),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("at_ms = 9223372036854775807");
    /* invalid UTF-8 in the event. */
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"\x80\"}",
                 IOTCARD_RESULT_INVALID_UTF8);
    /* out_of_order: before the activation. */
    apply_expect(c, p, "2026-01-04T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 5}",
                 IOTCARD_RESULT_OUT_OF_ORDER);
    /* not_activated: usage on an inventory card. */
    apply_expect(fresh, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"usage\", \"bytes\": 5}",
                 IOTCARD_RESULT_NOT_ACTIVATED);
    /* already_activated. */
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", ACTIVATE, IOTCARD_RESULT_ALREADY_ACTIVATED);
    /* nothing_to_lift: a resume with no hold. */
    apply_expect(c, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"manual_resume\"}",
                 IOTCARD_RESULT_NOTHING_TO_LIFT);
    /* Arrears: a charge below zero. */
    apply_expect(c, p, "2026-02-01T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 1500}",
                 IOTCARD_RESULT_OK);
    /* manual_suspend_not_allowed: every unmet condition named. */
    apply_expect(c, p, "2026-02-01T00:00:01+08:00", "{\"type\": \"manual_suspend\"}",
                 IOTCARD_RESULT_MANUAL_SUSPEND_NOT_ALLOWED);
    CHECK_LAST_ERROR_HAS("arrears");
    /* arrears_outstanding: a resume while the balance is below zero. */
    apply_expect(c, p, "2026-02-01T00:00:02+08:00", "{\"type\": \"manual_resume\"}",
                 IOTCARD_RESULT_ARREARS_OUTSTANDING);
    CHECK_LAST_ERROR_HAS("-500");
    /* terminal: anything after a cancellation. */
    apply_expect(c, p, "2026-02-02T00:00:00+08:00", "{\"type\": \"cancel\"}", IOTCARD_RESULT_OK);
    apply_expect(c, p, "2026-02-03T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 5}",
                 IOTCARD_RESULT_TERMINAL);
    CHECK_LAST_ERROR_HAS("cancelled");

    iotcard_card_free(fresh);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_apply_null_arguments(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = new_card();
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    char *changes = (char *)SENTINEL_PTR;
    int64_t t = at("2026-01-05T10:00:00+08:00");

    CHECK_RESULT(iotcard_card_apply(NULL, p, t, S(ACTIVATE), &repl, &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`card`");
    CHECK_RESULT(iotcard_card_apply(c, NULL, t, S(ACTIVATE), &repl, &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`policy`");
    CHECK_RESULT(iotcard_card_apply(c, p, t, NULL, 3, &repl, &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`event`");
    CHECK_RESULT(iotcard_card_apply(c, p, t, S(ACTIVATE), NULL, &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`replacement_out`");
    CHECK(repl == (iotcard_card *)SENTINEL_PTR);
    CHECK(changes == (char *)SENTINEL_PTR);
    /* The card was not activated by any of these. */
    apply_expect(c, p, "2026-01-05T10:00:00+08:00", "{\"type\": \"usage\", \"bytes\": 5}",
                 IOTCARD_RESULT_NOT_ACTIVATED);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

/* A refused call leaves its handle usable and unchanged: the same state, the
 * same assessment, and the next call on it works. */
static void test_refused_calls_leave_handles_usable(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_policy *not_made = (iotcard_policy *)SENTINEL_PTR;
    iotcard_card *c = active_card(p);
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    int64_t t = at("2026-02-01T00:00:00+08:00");
    char *before = state(c);
    char *json_before = NULL;
    char *json_after = NULL;
    char *after;
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;

    CHECK_RESULT(iotcard_card_assess_json(c, p, t, &json_before), IOTCARD_RESULT_OK);
    /* Refused: bad JSON, a zero amount, out of order, an advance back in time,
     * an assessment back in time, a policy that is not made. */
    CHECK_RESULT(iotcard_card_apply(c, p, t, S("{\"type\": \"charge\""), &repl, NULL),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_card_apply(c, p, t, S("{\"type\": \"charge\", \"amount\": 0}"), &repl,
                                    NULL),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_card_apply(c, p, 0, S("{\"type\": \"cancel\"}"), &repl, NULL),
                 IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_advance(c, p, 0, NULL), IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_assess(c, p, 0, &a), IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_policy_from_json(S("{\"low_balance\": -1}"), &not_made),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK(not_made == (iotcard_policy *)SENTINEL_PTR);
    CHECK(repl == (iotcard_card *)SENTINEL_PTR);

    /* Unchanged: the same state bytes and the same assessment. */
    after = state(c);
    CHECK(strcmp(before, after) == 0);
    CHECK_RESULT(iotcard_card_assess_json(c, p, t, &json_after), IOTCARD_RESULT_OK);
    CHECK(json_before != NULL && json_after != NULL && strcmp(json_before, json_after) == 0);

    /* Usable: the card and the policy take the next call. */
    CHECK_RESULT(iotcard_card_apply(c, p, t, S("{\"type\": \"charge\", \"amount\": 1500}"),
                                    &repl, NULL),
                 IOTCARD_RESULT_OK);
    CHECK(repl == NULL);
    CHECK_RESULT(iotcard_card_assess(c, p, t, &a), IOTCARD_RESULT_OK);
    CHECK(a.status == IOTCARD_STATUS_SUSPENDED && a.balance == -500);

    iotcard_string_free(before);
    iotcard_string_free(after);
    iotcard_string_free(json_before);
    iotcard_string_free(json_after);
    iotcard_card_free(c);
    iotcard_policy_free(p);
    /* Every free takes NULL. */
    iotcard_card_free(NULL);
    iotcard_policy_free(NULL);
    iotcard_string_free(NULL);
}

static void test_apply_replace_returns_the_new_card(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = active_card(p);
    iotcard_card *repl = NULL;
    char iccid[32];
    size_t n;
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;

    apply_expect(c, p, "2026-03-10T10:00:00+08:00", "{\"type\": \"report_lost\"}",
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_apply(c, p, at("2026-03-11T10:00:00+08:00"),
                                    S("{\"type\": \"replace\", \"iccid\": \"89860012345678901246\"}"),
                                    &repl, NULL),
                 IOTCARD_RESULT_OK);
    CHECK(repl != NULL);
    if (repl != NULL) {
        CHECK_RESULT(iotcard_card_iccid(repl, iccid, sizeof iccid, &n), IOTCARD_RESULT_OK);
        CHECK_STR(iccid, "89860012345678901246");
        CHECK_RESULT(iotcard_card_assess(repl, p, at("2026-03-11T10:00:01+08:00"), &a),
                     IOTCARD_RESULT_OK);
        CHECK(a.status == IOTCARD_STATUS_ACTIVE);
        CHECK(a.balance == 1000);
    }
    CHECK_RESULT(iotcard_card_assess(c, p, at("2026-03-11T10:00:01+08:00"), &a),
                 IOTCARD_RESULT_OK);
    CHECK(a.status == IOTCARD_STATUS_REPLACED);
    CHECK(a.barred == (IOTCARD_SERVICE_DATA | IOTCARD_SERVICE_VOICE_OUTGOING |
                       IOTCARD_SERVICE_VOICE_INCOMING | IOTCARD_SERVICE_SMS));
    iotcard_card_free(repl);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

/* ---- typed events ------------------------------------------------------- */

/* A constructor's success: `call` made an event whose JSON is `want`; freed. */
#define CHECK_EVENT_MADE(call, e, want)                          \
    do {                                                         \
        char *json_ = NULL;                                      \
        (e) = NULL;                                              \
        CHECK_RESULT((call), IOTCARD_RESULT_OK);                 \
        CHECK_RESULT(iotcard_event_to_json((e), &json_), IOTCARD_RESULT_OK);\
        CHECK_STR(json_, (want));                                \
        iotcard_string_free(json_);                              \
        iotcard_event_free(e);                                   \
    } while (0)

/* A constructor's refusal: the result, the field and value in the last error,
 * and `*out` left as it was. */
#define CHECK_EVENT_REFUSED(call, out, want, part)              \
    do {                                                         \
        (out) = (iotcard_event *)SENTINEL_PTR;                   \
        CHECK_RESULT((call), (want));                            \
        CHECK_LAST_ERROR_HAS(part);                              \
        CHECK((out) == (iotcard_event *)SENTINEL_PTR);           \
    } while (0)

static void test_event_constructors(void) {
    iotcard_event *e = NULL;
    char *json;

    CHECK_EVENT_MADE(iotcard_event_charge(1500, &e), e,
                     "{\"type\":\"charge\",\"amount\":1500}");
    CHECK_EVENT_REFUSED(iotcard_event_charge(0, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.amount = 0");
    CHECK_EVENT_REFUSED(iotcard_event_charge(-5, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.amount = -5");
    CHECK_RESULT(iotcard_event_charge(1500, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`out`");

    CHECK_EVENT_MADE(iotcard_event_payment(INT64_MAX, &e), e,
                     "{\"type\":\"payment\",\"amount\":9223372036854775807}");
    CHECK_EVENT_REFUSED(iotcard_event_payment(0, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.amount = 0: must be greater than zero");
    CHECK_EVENT_REFUSED(iotcard_event_payment(INT64_MIN, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.amount");
    CHECK_RESULT(iotcard_event_payment(5, NULL), IOTCARD_RESULT_NULL_ARGUMENT);

    CHECK_EVENT_MADE(iotcard_event_usage(52428800, "490154203237518", "65", &e), e,
                     "{\"type\":\"usage\",\"bytes\":52428800,\"imei\":\"490154203237518\","
                     "\"region\":\"65\"}");
    CHECK_EVENT_MADE(iotcard_event_usage(0, NULL, NULL, &e), e,
                     "{\"type\":\"usage\",\"bytes\":0}");
    CHECK_EVENT_REFUSED(iotcard_event_usage(5, "490154203237519", NULL, &e), e,
                        IOTCARD_RESULT_INVALID_INPUT, "event.imei = \"490154203237519\"");
    CHECK_EVENT_REFUSED(iotcard_event_usage(5, "", NULL, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.imei");
    CHECK_EVENT_REFUSED(iotcard_event_usage(5, NULL, "99", &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.region = \"99\"");
    CHECK_EVENT_REFUSED(iotcard_event_usage(5, "4901542032375\x80", NULL, &e), e,
                        IOTCARD_RESULT_INVALID_UTF8, "`imei` at byte 13");
    CHECK_EVENT_REFUSED(iotcard_event_usage(5, NULL, "\xff", &e), e, IOTCARD_RESULT_INVALID_UTF8,
                        "`region` at byte 0");
    CHECK_RESULT(iotcard_event_usage(5, NULL, NULL, NULL), IOTCARD_RESULT_NULL_ARGUMENT);

    CHECK_EVENT_MADE(iotcard_event_top_up(1048576, &e), e,
                     "{\"type\":\"top_up\",\"bytes\":1048576}");
    CHECK_EVENT_REFUSED(iotcard_event_top_up(0, &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "event.bytes = 0");
    CHECK_RESULT(iotcard_event_top_up(1, NULL), IOTCARD_RESULT_NULL_ARGUMENT);

    /* Any event from JSON, refused as iotcard_card_apply refuses it. */
    CHECK_EVENT_MADE(iotcard_event_from_json(S("{\"type\": \"cancel\"}"), &e), e,
                     "{\"type\":\"cancel\"}");
    CHECK_EVENT_REFUSED(iotcard_event_from_json(S("{\"type\": \"charge\", \"amount\": 0}"), &e), e,
                        IOTCARD_RESULT_INVALID_INPUT, "event.amount = 0");
    CHECK_EVENT_REFUSED(iotcard_event_from_json(S("[]"), &e), e, IOTCARD_RESULT_INVALID_INPUT,
                        "must be a JSON object");
    CHECK_EVENT_REFUSED(iotcard_event_from_json(NULL, 3, &e), e, IOTCARD_RESULT_NULL_ARGUMENT,
                        "`json`");
    CHECK_RESULT(iotcard_event_from_json(S("{\"type\": \"cancel\"}"), NULL),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    json = (char *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_event_to_json(NULL, &json), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(json == (char *)SENTINEL_PTR);
    CHECK_RESULT(iotcard_event_top_up(1, &e), IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_event_to_json(e, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    iotcard_event_free(e);
    iotcard_event_free(NULL);
}

/* A typed event applies exactly as the same event given as JSON; a refused one
 * leaves the card as it was; the event is only read (applied twice). */
static void test_apply_event(void) {
    iotcard_policy *p = policy_of("{\"low_balance\": 300}");
    iotcard_card *typed = active_card(p);
    iotcard_card *by_json = active_card(p);
    iotcard_card *fresh = new_card();
    iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
    iotcard_event *charge = NULL;
    iotcard_event *usage = NULL;
    iotcard_event *top_up = NULL;
    iotcard_event *payment = NULL;
    char *changes = NULL;
    char *a;
    char *b;
    iotcard_assessment x = IOTCARD_ASSESSMENT_INIT;

    CHECK_RESULT(iotcard_event_charge(400, &charge), IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_event_usage(104857600, "490154203237518", "35", &usage),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_event_top_up(1048576, &top_up), IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_event_payment(250, &payment), IOTCARD_RESULT_OK);

    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-06T00:00:00+08:00"), charge, &repl,
                                          &changes),
                 IOTCARD_RESULT_OK);
    CHECK(repl == NULL && changes != NULL);
    iotcard_string_free(changes);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-07T00:00:00+08:00"), charge, &repl,
                                          NULL),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-08T00:00:00+08:00"), usage, &repl,
                                          NULL),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-09T00:00:00+08:00"), top_up, &repl,
                                          NULL),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-10T00:00:00+08:00"), payment, &repl,
                                          NULL),
                 IOTCARD_RESULT_OK);
    apply_expect(by_json, p, "2026-01-06T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 400}",
                 IOTCARD_RESULT_OK);
    apply_expect(by_json, p, "2026-01-07T00:00:00+08:00", "{\"type\": \"charge\", \"amount\": 400}",
                 IOTCARD_RESULT_OK);
    apply_expect(by_json, p, "2026-01-08T00:00:00+08:00",
                 "{\"type\": \"usage\", \"bytes\": 104857600, \"imei\": \"490154203237518\","
                 " \"region\": \"35\"}",
                 IOTCARD_RESULT_OK);
    apply_expect(by_json, p, "2026-01-09T00:00:00+08:00", "{\"type\": \"top_up\", \"bytes\": 1048576}",
                 IOTCARD_RESULT_OK);
    apply_expect(by_json, p, "2026-01-10T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 250}",
                 IOTCARD_RESULT_OK);
    a = state(typed);
    b = state(by_json);
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
    iotcard_string_free(b);
    CHECK_RESULT(iotcard_card_assess(typed, p, at("2026-01-10T00:00:00+08:00"), &x),
                 IOTCARD_RESULT_OK);
    CHECK(x.balance == 1000 - 800 + 250 && x.usage_bytes == 104857600u);
    CHECK(x.allowance_bytes == 104857600u + 1048576u);

    /* Refused: out of order, not activated, NULLs. Nothing written, unchanged. */
    repl = (iotcard_card *)SENTINEL_PTR;
    changes = (char *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-09T00:00:00+08:00"), charge, &repl,
                                          &changes),
                 IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_apply_event(fresh, p, at("2026-01-09T00:00:00+08:00"), usage, &repl,
                                          &changes),
                 IOTCARD_RESULT_NOT_ACTIVATED);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-11T00:00:00+08:00"), NULL, &repl,
                                          &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("`event`");
    CHECK_RESULT(iotcard_card_apply_event(NULL, p, at("2026-01-11T00:00:00+08:00"), charge, &repl,
                                          &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_apply_event(typed, NULL, at("2026-01-11T00:00:00+08:00"), charge,
                                          &repl, &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, at("2026-01-11T00:00:00+08:00"), charge, NULL,
                                          &changes),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_apply_event(typed, p, INT64_MAX, charge, &repl, &changes),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK(repl == (iotcard_card *)SENTINEL_PTR && changes == (char *)SENTINEL_PTR);
    b = state(typed);
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
    iotcard_string_free(a);
    iotcard_string_free(b);

    iotcard_event_free(charge);
    iotcard_event_free(usage);
    iotcard_event_free(top_up);
    iotcard_event_free(payment);
    iotcard_card_free(typed);
    iotcard_card_free(by_json);
    iotcard_card_free(fresh);
    iotcard_policy_free(p);
}

/* ---- advance ------------------------------------------------------------ */

static void test_advance(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = active_card(p);
    char *changes = (char *)SENTINEL_PTR;
    char *before;
    char *after;
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;

    CHECK_RESULT(iotcard_card_advance(c, p, at("2027-01-01T00:00:00+08:00"), &changes),
                 IOTCARD_RESULT_OK);
    CHECK(changes != NULL && changes != (char *)SENTINEL_PTR);
    if (changes != NULL && changes != (char *)SENTINEL_PTR) {
        CHECK(strstr(changes, "\"scheduled\":\"expire\"") != NULL);
        CHECK(strstr(changes, "\"hold\":\"expired\"") != NULL);
        iotcard_string_free(changes);
    }
    CHECK_RESULT(iotcard_card_assess(c, p, at("2027-01-01T00:00:00+08:00"), &a),
                 IOTCARD_RESULT_OK);
    CHECK(a.holds == IOTCARD_HOLD_EXPIRED);
    CHECK(a.has_retention_ends);
    CHECK(a.retention_ends_ms == at("2027-04-01T00:00:00+08:00"));
    CHECK(a.remedies[4] == IOTCARD_REMEDY_RENEW);
    CHECK(a.hold_since_ms[4] == at("2027-01-01T00:00:00+08:00"));

    /* Without the audit trail; keep-number fees fall due. */
    CHECK_RESULT(iotcard_card_advance(c, p, at("2027-02-15T00:00:00+08:00"), NULL),
                 IOTCARD_RESULT_OK);

    /* Refused: earlier than the card's clock, or out of range; the card unchanged. */
    before = state(c);
    changes = (char *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_advance(c, p, at("2027-01-02T00:00:00+08:00"), &changes),
                 IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_advance(c, p, INT64_MIN, &changes), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("to_ms");
    CHECK_RESULT(iotcard_card_advance(NULL, p, 0, &changes), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_advance(c, NULL, 0, &changes), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(changes == (char *)SENTINEL_PTR);
    after = state(c);
    CHECK(strcmp(before, after) == 0);
    iotcard_string_free(before);
    iotcard_string_free(after);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

/* ---- assess: struct, JSON, batch ---------------------------------------- */

static void test_assess_struct(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *fresh = new_card();
    iotcard_card *c = active_card(p);
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;
    iotcard_assessment untouched = IOTCARD_ASSESSMENT_INIT;
    size_t i;

    CHECK_RESULT(iotcard_card_assess(fresh, p, at("2026-01-02T00:00:00+08:00"), &a),
                 IOTCARD_RESULT_OK);
    CHECK(a.result == IOTCARD_RESULT_OK);
    CHECK(a.size == sizeof a && a.size == IOTCARD_ASSESSMENT_SIZE_V2);
    CHECK(a.at_ms == at("2026-01-02T00:00:00+08:00"));
    CHECK(a.status == IOTCARD_STATUS_INVENTORY);
    CHECK(!a.has_next);
    CHECK(a.can & IOTCARD_ACTION_ACTIVATE);

    CHECK_RESULT(iotcard_card_assess(c, p, at("2026-01-06T00:00:00+08:00"), &a),
                 IOTCARD_RESULT_OK);
    CHECK(a.status == IOTCARD_STATUS_ACTIVE);
    CHECK(a.holds == 0 && a.barred == 0 && a.call_restriction == 0);
    CHECK(a.balance == 1000);
    CHECK(a.usage_bytes == 0 && a.allowance_bytes == 104857600u);
    CHECK(a.overage_bytes == 0 && a.overage_charge == 0 && a.keep_number_fees == 0);
    CHECK(a.has_next && a.next_change == IOTCARD_CHANGE_EXPIRE);
    CHECK(a.next_at_ms == at("2027-01-01T00:00:00+08:00"));
    CHECK(!a.has_retention_ends && !a.has_maintenance_until);
    CHECK((a.can & IOTCARD_ACTION_MANUAL_SUSPEND) && (a.can & IOTCARD_ACTION_RENEW));
    CHECK(!(a.can & IOTCARD_ACTION_MANUAL_RESUME) && !(a.can & IOTCARD_ACTION_ACTIVATE));
    CHECK(a.manual_suspend_unmet == 0);
    CHECK(!a.needs_action && !a.refund_eligible && a.refund_unused_months == 0);
    CHECK(a.refund_estimate == 11 * 1000);
    for (i = 0; i < IOTCARD_HOLD_CAPACITY; i++) {
        CHECK(a.remedies[i] == IOTCARD_REMEDY_NONE && a.hold_since_ms[i] == 0);
    }

    /* Maintenance, then arrears with a low balance policy: more fields. */
    apply_expect(c, p, "2026-01-07T00:00:00+08:00",
                 "{\"type\": \"maintenance\", \"until\": \"2026-01-08T00:00:00+08:00\"}",
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_card_assess(c, p, at("2026-01-07T01:00:00+08:00"), &a),
                 IOTCARD_RESULT_OK);
    CHECK(a.status == IOTCARD_STATUS_SUSPENDED && a.holds == IOTCARD_HOLD_MAINTENANCE);
    CHECK(a.has_maintenance_until && a.maintenance_until_ms == at("2026-01-08T00:00:00+08:00"));
    CHECK(a.next_change == IOTCARD_CHANGE_LIFT_MAINTENANCE);
    CHECK(a.remedies[7] == IOTCARD_REMEDY_WAIT_MAINTENANCE_END);
    CHECK(a.call_restriction == IOTCARD_CALL_CAUSE_CONTACT_OPERATOR);
    CHECK(a.needs_action);

    /* Refused: before the card's clock; out of range; NULLs. Nothing written. */
    memset(&untouched, 0xAB, sizeof untouched);
    untouched.size = sizeof untouched;
    memcpy(&a, &untouched, sizeof a);
    CHECK_RESULT(iotcard_card_assess(c, p, at("2026-01-01T00:00:00+08:00"), &a),
                 IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_assess(c, p, INT64_MAX, &a), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_card_assess(NULL, p, 0, &a), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_assess(c, NULL, 0, &a), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_assess(c, p, 0, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(memcmp(&a, &untouched, sizeof a) == 0);

    iotcard_card_free(fresh);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_assess_json(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = active_card(p);
    char *json = (char *)SENTINEL_PTR;

    CHECK_RESULT(iotcard_card_assess_json(c, p, at("2026-01-06T00:00:00+08:00"), &json),
                 IOTCARD_RESULT_OK);
    CHECK(json != NULL && json != (char *)SENTINEL_PTR);
    if (json != NULL && json != (char *)SENTINEL_PTR) {
        CHECK(strstr(json, "\"status\":\"active\"") != NULL);
        CHECK(strstr(json, "\"next\":{\"at\":\"2027-01-01T00:00:00+08:00\",\"change\":\"expire\"}") !=
              NULL);
        iotcard_string_free(json);
    }
    json = (char *)SENTINEL_PTR;
    CHECK_RESULT(iotcard_card_assess_json(c, p, at("2026-01-01T00:00:00+08:00"), &json),
                 IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_RESULT(iotcard_card_assess_json(c, p, INT64_MIN, &json), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_card_assess_json(NULL, p, 0, &json), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_assess_json(c, NULL, 0, &json), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_card_assess_json(c, p, 0, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(json == (char *)SENTINEL_PTR);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

static void test_assess_batch(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *a0 = active_card(p);
    iotcard_card *a1 = new_card();
    iotcard_card *late = active_card(p);
    const iotcard_card *cards[4];
    iotcard_assessment out[4];
    iotcard_assessment one = IOTCARD_ASSESSMENT_INIT;
    const size_t w = sizeof out[0]; /* the stride: the elements need no initialising */
    int64_t t = at("2026-01-06T00:00:00+08:00");

    /* `late` has seen an event after `t`. */
    apply_expect(late, p, "2026-01-07T00:00:00+08:00", "{\"type\": \"payment\", \"amount\": 1}",
                 IOTCARD_RESULT_OK);

    cards[0] = a0;
    cards[1] = a1;
    CHECK_RESULT(iotcard_assess_batch(p, cards, 2, t, out, w), IOTCARD_RESULT_OK);
    CHECK(out[0].result == IOTCARD_RESULT_OK && out[0].status == IOTCARD_STATUS_ACTIVE);
    CHECK(out[1].result == IOTCARD_RESULT_OK && out[1].status == IOTCARD_STATUS_INVENTORY);
    CHECK_RESULT(iotcard_card_assess(a0, p, t, &one), IOTCARD_RESULT_OK);
    CHECK(one.status == out[0].status && one.holds == out[0].holds && one.can == out[0].can &&
          one.balance == out[0].balance && one.next_at_ms == out[0].next_at_ms &&
          one.refund_estimate == out[0].refund_estimate);
    CHECK(out[0].size == sizeof out[0] && out[1].size == sizeof out[1] && one.size == sizeof one);
    CHECK(out[0].at_ms == t && out[1].at_ms == t && one.at_ms == t);

    /* One bad entry does not stop the others; the first failure is returned. */
    cards[0] = a0;
    cards[1] = NULL;
    cards[2] = late;
    cards[3] = a1;
    memset(out, 0xAB, sizeof out);
    CHECK_RESULT(iotcard_assess_batch(p, cards, 4, t, out, w), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("cards[1]");
    CHECK(out[0].result == IOTCARD_RESULT_OK && out[0].status == IOTCARD_STATUS_ACTIVE);
    CHECK(out[1].result == IOTCARD_RESULT_NULL_ARGUMENT && out[1].balance == 0);
    CHECK(out[2].result == IOTCARD_RESULT_OUT_OF_ORDER && out[2].status == 0);
    CHECK(out[3].result == IOTCARD_RESULT_OK && out[3].status == IOTCARD_STATUS_INVENTORY);

    cards[1] = late;
    CHECK_RESULT(iotcard_assess_batch(p, cards, 2, t, out, w), IOTCARD_RESULT_OUT_OF_ORDER);
    CHECK_LAST_ERROR_HAS("cards[1]: out of order");

    /* n = 0: nothing to do, NULL arrays allowed. */
    CHECK_RESULT(iotcard_assess_batch(p, NULL, 0, t, NULL, w), IOTCARD_RESULT_OK);
    /* NULL arguments and a bad instant: nothing written. */
    memset(out, 0xAB, sizeof out);
    CHECK_RESULT(iotcard_assess_batch(NULL, cards, 2, t, out, w), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_assess_batch(p, NULL, 2, t, out, w), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_assess_batch(p, cards, 2, t, NULL, w), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_assess_batch(p, cards, 2, INT64_MAX, out, w), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_assess_batch(p, cards, SIZE_MAX, t, out, w), IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("too large");
    CHECK(((unsigned char *)out)[0] == 0xAB);

    iotcard_card_free(a0);
    iotcard_card_free(a1);
    iotcard_card_free(late);
    iotcard_policy_free(p);
}

/* ---- instants ------------------------------------------------------------ */

static void test_instant_parse(void) {
    int64_t ms = 42;
    CHECK_RESULT(iotcard_instant_parse(S("1970-01-01T00:00:00Z"), &ms), IOTCARD_RESULT_OK);
    CHECK(ms == 0);
    CHECK(at("2026-02-01T00:00:00+08:00") == at("2026-01-31T16:00:00Z"));
    CHECK(at("2026-01-31T16:00:00.250Z") == INT64_C(1769875200250));
    CHECK(at("1969-12-31T23:59:59.999Z") == -1);

    ms = 42;
    CHECK_RESULT(iotcard_instant_parse(S("2026-01-31T16:00:00.2501Z"), &ms),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("below the millisecond");
    CHECK_RESULT(iotcard_instant_parse(S("2026-02-01 00:00:00"), &ms),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("2026-02-01 00:00:00");
    CHECK_RESULT(iotcard_instant_parse(S("2026\xff"), &ms), IOTCARD_RESULT_INVALID_UTF8);
    CHECK_LAST_ERROR_HAS("`text` at byte 4 = 0xff");
    CHECK_RESULT(iotcard_instant_parse(NULL, 3, &ms), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_instant_parse(S("1970-01-01T00:00:00Z"), NULL),
                 IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK(ms == 42);
}

/* The supported range: its edges work (a card over the whole range, activated
 * at either edge in the extreme offsets), one millisecond past them is refused. */
static void test_instant_range(void) {
    static const char WHOLE_RANGE[] =
        "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"balance\": 1000,"
        " \"plan\": {\"start\": \"1900-01-01T00:00:00Z\", \"end\": \"9898-12-31T23:59:59.999Z\","
        " \"period\": \"year\", \"quota_bytes\": 1, \"monthly_fee\": 1}}";
    static const char *const POLICIES[] = {"{\"timezone\": \"+23:59\"}",
                                           "{\"timezone\": \"-23:59\"}"};
    int64_t ms = 42;
    size_t i, j;

    CHECK(at("1900-01-01T00:00:00Z") == IOTCARD_INSTANT_MIN_MS);
    CHECK(at("1900-01-01T08:00:00+08:00") == IOTCARD_INSTANT_MIN_MS);
    CHECK(at("9898-12-31T23:59:59.999Z") == IOTCARD_INSTANT_MAX_MS);
    CHECK_RESULT(iotcard_instant_parse(S("1899-12-31T23:59:59.999Z"), &ms),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("supported range");
    CHECK_RESULT(iotcard_instant_parse(S("+10000-01-01T00:00:00Z"), &ms),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_instant_parse(S("0001-01-01T00:00:00+08:00"), &ms),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK(ms == 42);

    for (i = 0; i < 2; i++) {
        iotcard_policy *p = policy_of(POLICIES[i]);
        const int64_t edges[] = {IOTCARD_INSTANT_MIN_MS, IOTCARD_INSTANT_MAX_MS};
        for (j = 0; j < 2; j++) {
            iotcard_card *c = NULL;
            iotcard_card *repl = (iotcard_card *)SENTINEL_PTR;
            iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;
            bool has_clock = false;
            CHECK_RESULT(iotcard_card_new(S(WHOLE_RANGE), &c), IOTCARD_RESULT_OK);
            /* One millisecond outside: refused, naming the argument. */
            CHECK_RESULT(iotcard_card_apply(c, p, IOTCARD_INSTANT_MIN_MS - 1, S(ACTIVATE), &repl,
                                            NULL),
                         IOTCARD_RESULT_INVALID_INPUT);
            CHECK_LAST_ERROR_HAS("at_ms");
            CHECK_RESULT(iotcard_card_assess(c, p, IOTCARD_INSTANT_MAX_MS + 1, &a),
                         IOTCARD_RESULT_INVALID_INPUT);
            /* At the edge: activated, the clock reads back exactly. */
            CHECK_RESULT(iotcard_card_apply(c, p, edges[j], S(ACTIVATE), &repl, NULL),
                         IOTCARD_RESULT_OK);
            CHECK_RESULT(iotcard_card_clock(c, &has_clock, &ms), IOTCARD_RESULT_OK);
            CHECK(has_clock && ms == edges[j]);
            CHECK_RESULT(iotcard_card_assess(c, p, IOTCARD_INSTANT_MAX_MS, &a), IOTCARD_RESULT_OK);
            CHECK(a.result == IOTCARD_RESULT_OK);
            iotcard_card_free(c);
        }
        iotcard_policy_free(p);
    }
}

/* ---- the last error ------------------------------------------------------ */

static void *other_thread(void *arg) {
    char buf[64];
    size_t n = 99;
    int *empty = (int *)arg;
    *empty = iotcard_last_error_message(buf, sizeof buf, &n) == IOTCARD_RESULT_OK && n == 0 &&
             buf[0] == '\0';
    return NULL;
}

static void test_last_error_message(void) {
    iotcard_policy *p = NULL;
    char small[8];
    char buf[256];
    size_t n = 0;
    size_t full;
    pthread_t thread;
    int empty = 0;

    CHECK_RESULT(iotcard_policy_from_json(S("{\"credit_limit\": -5}"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_RESULT(iotcard_last_error_message(buf, sizeof buf, &n), IOTCARD_RESULT_OK);
    CHECK_STR(buf, "invalid input: policy.credit_limit = -5: must not be negative");
    CHECK(n == strlen(buf));
    full = n;

    /* Too small: what fits is written, NUL-terminated (as snprintf does), the
       full length reported, the message kept. */
    memset(small, 'x', sizeof small);
    n = 0;
    CHECK_RESULT(iotcard_last_error_message(small, sizeof small, &n),
                 IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == full);
    CHECK_STR(small, "invalid");
    CHECK_RESULT(iotcard_last_error_message(buf, full, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == full && strlen(buf) == full - 1);
    CHECK(strncmp(buf, "invalid input: policy.credit_limit = -5: must not be negativ", full - 1) == 0);
    CHECK_RESULT(iotcard_last_error_message(buf, full + 1, &n), IOTCARD_RESULT_OK);
    /* A length of 0 writes nothing. */
    memset(small, 'x', sizeof small);
    CHECK_RESULT(iotcard_last_error_message(small, 0, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == full && small[0] == 'x');

    /* The cut never splits a UTF-8 sequence: "时" takes bytes 22 to 24. */
    CHECK_RESULT(iotcard_policy_from_json(S("{\"\u65f6\u533a\": 1}"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);
    memset(buf, 'x', sizeof buf);
    CHECK_RESULT(iotcard_last_error_message(buf, 24, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK_STR(buf, "invalid input: policy.");
    CHECK_RESULT(iotcard_last_error_message(buf, 26, &n), IOTCARD_RESULT_BUFFER_TOO_SMALL);
    CHECK_STR(buf, "invalid input: policy.\xe6\x97\xb6");
    CHECK_RESULT(iotcard_policy_from_json(S("{\"credit_limit\": -5}"), &p),
                 IOTCARD_RESULT_INVALID_INPUT);

    /* NULL arguments: refused, and the message is still there. */
    CHECK_RESULT(iotcard_last_error_message(NULL, sizeof buf, &n), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(iotcard_last_error_message(buf, sizeof buf, NULL), IOTCARD_RESULT_NULL_ARGUMENT);
    CHECK_LAST_ERROR_HAS("policy.credit_limit = -5");

    /* A successful call leaves it as it is. */
    p = policy_of("{}");
    CHECK_LAST_ERROR_HAS("policy.credit_limit = -5");
    iotcard_policy_free(p);

    /* Per thread: another thread has none. */
    CHECK(pthread_create(&thread, NULL, other_thread, &empty) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(empty);
}

/* ---- operators: policy book, reports, reconciliation ------------------------ */

static void test_operators(void) {
    iotcard_policy *p = policy_of("{}");
    iotcard_card *c = active_card(p);
    iotcard_policy_book *book = (iotcard_policy_book *)SENTINEL_PTR;
    char *json = NULL;
    static const char REPORT[] =
        "{\"iccid\": \"89860012345678901238\", \"at\": \"2026-02-01T00:00:00+08:00\","
        " \"operator\": \"china_mobile\", \"cardStatus\": \"4\", \"stopReason\": \"000020000000\"}";
    static const char LINE[] =
        "{\"card\": {\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\","
        " \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\", \"end\": \"2027-01-01T00:00:00+08:00\","
        " \"period\": \"month\", \"quota_bytes\": 1, \"monthly_fee\": 0}}, \"events\": []}";

    /* A report decodes into the operator view (codes.md §1.3 position 5: arrears). */
    CHECK_RESULT(iotcard_report_decode_json(S(REPORT), &json), IOTCARD_RESULT_OK);
    if (json != NULL) {
        CHECK(strstr(json, "\"hold\":\"arrears\"") != NULL);
        iotcard_string_free(json);
        json = NULL;
    }
    CHECK_RESULT(iotcard_report_decode_json(S("{\"iccid\": \"89860012345678901238\", \"at\":"
                                              " \"2026-02-01T00:00:00+08:00\", \"operator\":"
                                              " \"china_mobile\", \"cardStatus\": \"4\","
                                              " \"stopReason\": \"0002\"}"),
                                            &json),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("report.stopReason");

    /* The operator stops a card the library thinks active. */
    CHECK_RESULT(iotcard_card_reconcile_json(c, p, S(REPORT), &json), IOTCARD_RESULT_OK);
    if (json != NULL) {
        CHECK(strstr(json, "\"kind\":\"operator_stops\"") != NULL);
        CHECK(strstr(json, "\"event\":\"charge\"") != NULL);
        iotcard_string_free(json);
        json = NULL;
    }
    CHECK_RESULT(iotcard_card_reconcile_json(c, NULL, S(REPORT), &json),
                 IOTCARD_RESULT_NULL_ARGUMENT);

    /* A fleet line under its operator's policy; no policy for it is an error. */
    CHECK_RESULT(iotcard_policy_book_from_json(
                     S("{\"operators\": {\"china_mobile\": {\"retention_months\": 5000}}}"), &book),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("policy_book.operators.china_mobile.retention_months");
    CHECK(book == (iotcard_policy_book *)SENTINEL_PTR);
    CHECK_RESULT(iotcard_policy_book_from_json(S("{\"operators\": {\"china_telecom\": {}}}"), &book),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_fleet_line_assess_json(book, S(LINE), at("2026-02-01T00:00:00+08:00"), &json),
                 IOTCARD_RESULT_INVALID_INPUT);
    CHECK_LAST_ERROR_HAS("card.operator");
    iotcard_policy_book_free(book);
    book = NULL;
    CHECK_RESULT(iotcard_policy_book_from_json(S("{\"operators\": {\"china_mobile\": {}}}"), &book),
                 IOTCARD_RESULT_OK);
    CHECK_RESULT(iotcard_fleet_line_assess_json(book, S(LINE), at("2026-02-01T00:00:00+08:00"), &json),
                 IOTCARD_RESULT_OK);
    if (json != NULL) {
        CHECK(strstr(json, "\"status\":\"inventory\"") != NULL);
        iotcard_string_free(json);
    }
    iotcard_policy_book_free(book);
    iotcard_card_free(c);
    iotcard_policy_free(p);
}

/* ---- the panic boundary ---------------------------------------------------- */

static void test_panic_becomes_a_result(void) {
    fprintf(stderr, "(test_panic_becomes_a_result: the panic message below is expected)\n");
    CHECK_RESULT(iotcard_testing_panic(), IOTCARD_RESULT_PANIC);
    CHECK_LAST_ERROR_HAS("panic: iotcard_testing_panic was called");
    /* The library still works afterwards. */
    {
        iotcard_policy *p = policy_of("{}");
        iotcard_policy_free(p);
    }
}

int main(void) {
    RUN(test_version);
    RUN(test_result_names_and_messages);
    RUN(test_names_of_constants);
    RUN(test_policy);
    RUN(test_card_new);
    RUN(test_card_state_round_trip);
    RUN(test_card_identity_buffers);
    RUN(test_apply_success_and_changes);
    RUN(test_apply_errors);
    RUN(test_apply_null_arguments);
    RUN(test_refused_calls_leave_handles_usable);
    RUN(test_apply_replace_returns_the_new_card);
    RUN(test_event_constructors);
    RUN(test_apply_event);
    RUN(test_advance);
    RUN(test_assess_struct);
    RUN(test_assess_json);
    RUN(test_assess_batch);
    RUN(test_instant_parse);
    RUN(test_instant_range);
    RUN(test_card_clock_and_status);
    RUN(test_last_error_message);
    RUN(test_operators);
    RUN(test_panic_becomes_a_result);
    return h_finish();
}

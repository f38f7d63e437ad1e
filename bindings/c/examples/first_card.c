/* One card through the C API: activate, charge, pay, assess. */
#include <stdio.h>
#include <string.h>

#include "iotcard.h"

#define S(s) (s), strlen(s)

static int fail(const char *what, iotcard_result r) {
    char msg[256];
    size_t n = 0;
    iotcard_last_error_message(msg, sizeof msg, &n); /* cut to fit, NUL-terminated */
    fprintf(stderr, "%s: %s: %s\n", what, iotcard_result_name(r), msg);
    return 1;
}

int main(void) {
    const char *card_json =
        "{\"iccid\": \"89860012345678901238\", \"msisdn\": \"1440012345678\", \"balance\": 1000,"
        " \"plan\": {\"start\": \"2026-01-01T00:00:00+08:00\", \"end\": \"2027-01-01T00:00:00+08:00\","
        " \"period\": \"month\", \"quota_bytes\": 104857600, \"monthly_fee\": 1000}}";
    iotcard_policy *policy = NULL;
    iotcard_card *card = NULL;
    iotcard_card *replacement = NULL;
    iotcard_event *charge = NULL;
    iotcard_event *payment = NULL;
    /* `size` set to this header's sizeof: the library fills what fits. */
    iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;
    int64_t jan5 = 1767578400000;  /* 2026-01-05T10:00:00+08:00 */
    int64_t jan20 = jan5 + 15 * 86400000LL;
    int64_t jan21 = jan20 + 86400000LL;
    iotcard_result r;
    char msg[256];
    size_t n = 0;
    unsigned i;

    if ((r = iotcard_policy_from_json(S("{}"), &policy)) != IOTCARD_RESULT_OK) {
        return fail("policy", r);
    }
    if ((r = iotcard_card_new(S(card_json), &card)) != IOTCARD_RESULT_OK) {
        return fail("card", r);
    }
    /* Any event as JSON... */
    r = iotcard_card_apply(card, policy, jan5,
                           S("{\"type\": \"activate\", \"imei\": \"490154203237518\"}"),
                           &replacement, NULL);
    if (r != IOTCARD_RESULT_OK) {
        return fail("activate", r);
    }
    /* ...or the everyday ones typed: amounts in fen, checked when made. */
    if ((r = iotcard_event_charge(1500, &charge)) != IOTCARD_RESULT_OK ||
        (r = iotcard_event_payment(2000, &payment)) != IOTCARD_RESULT_OK) {
        return fail("event", r);
    }
    if ((r = iotcard_card_apply_event(card, policy, jan20, charge, &replacement, NULL)) !=
        IOTCARD_RESULT_OK) {
        return fail("charge", r);
    }
    if ((r = iotcard_card_assess(card, policy, jan20, &a)) != IOTCARD_RESULT_OK) {
        return fail("assess", r);
    }
    printf("after the charge: %s, balance %lld, arrears %s\n", iotcard_status_name(a.status),
           (long long)a.balance, (a.holds & IOTCARD_HOLD_ARREARS) ? "on" : "off");
    if ((r = iotcard_card_apply_event(card, policy, jan21, payment, &replacement, NULL)) !=
        IOTCARD_RESULT_OK) {
        return fail("payment", r);
    }
    if ((r = iotcard_card_assess(card, policy, jan21, &a)) != IOTCARD_RESULT_OK) {
        return fail("assess", r);
    }
    printf("after the payment: %s, balance %lld\n", iotcard_status_name(a.status),
           (long long)a.balance);
    for (i = 0; i < IOTCARD_HOLD_COUNT; i++) {
        if (a.holds & (1u << i)) {
            printf("  hold %s -> %s\n", iotcard_hold_name(1u << i),
                   iotcard_remedy_name(a.remedies[i]));
        }
    }
    /* Refused: a zero amount; the message names the field. */
    r = iotcard_event_charge(0, &charge);
    iotcard_last_error_message(msg, sizeof msg, &n);
    printf("charge 0: %s: %s\n", iotcard_result_name(r), msg);
    iotcard_event_free(charge);
    iotcard_event_free(payment);
    iotcard_card_free(card);
    iotcard_policy_free(policy);
    return 0;
}

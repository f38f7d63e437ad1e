//! Operators: who runs a card, and the reliability grades of the public tables
//! this crate decodes (`docs/operators.md`).
//!
//! A card's operator is the one it names (the optional `operator` of the card
//! JSON), or else the one its ICCID's issuer number names (ITU-T E.118: `89`,
//! country code `86`, then two issuer digits). An issuer number missing from
//! [`ISSUERS`] gives no operator ("unknown operator"): never a guess.

use crate::hold::named_enum;
use crate::ids::Iccid;

named_enum!(
    /// A mobile operator whose cards this library knows how to attribute.
    Operator, "operator" {
        /// China Mobile (中国移动; platform OneLink).
        ChinaMobile = "china_mobile",
        /// China Unicom (中国联通; platforms Unicom CMP and Cisco Control Center).
        ChinaUnicom = "china_unicom",
        /// China Telecom (中国电信; platforms CMP and 5GCMP).
        ChinaTelecom = "china_telecom",
        /// China Broadnet (中国广电).
        ChinaBroadnet = "china_broadnet",
    }
);

named_enum!(
    /// How far a row of a public code table can be trusted
    /// (`docs/operators.md` "Sources and grades").
    Grade, "grade" {
        /// Vendor or operator documentation, read directly.
        A = "A",
        /// Two or more independent public integrations agree.
        B = "B",
        /// One public integration or reseller page only: uncertain.
        C = "C",
        /// Inferred; no source states it: uncertain.
        D = "D",
    }
);

impl Grade {
    /// Whether a row of this grade is uncertain (C or D): decoders mark what
    /// rests on it.
    ///
    /// ```
    /// use iotcard::Grade;
    /// assert!(!Grade::B.is_uncertain());
    /// assert!(Grade::C.is_uncertain());
    /// ```
    pub const fn is_uncertain(self) -> bool {
        matches!(self, Grade::C | Grade::D)
    }
}

/// One row of the issuer-number table: the two digits after `8986`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issuer {
    /// The two issuer digits (ICCID digits 5 and 6).
    pub digits: &'static str,
    /// The operator that issues cards with them.
    pub operator: Operator,
    /// Where the row comes from.
    pub source: &'static str,
    /// How far it can be trusted.
    pub grade: Grade,
}

/// The issuer numbers of Chinese cards (country code 86), each citing its
/// source and grade (see `docs/operators.md`). Issuer numbers not listed
/// (05 is named by one source only; 10, 12, 14 …) give no operator.
///
/// Sources: no public ITU-T/MIIT allocation list was found; the
/// rows rest on public integrations that map ICCID prefixes to operators:
/// - `I1`: an ESP-IDF DTU firmware (C, `s_iccid_operator_map`): 898600/02/04/07/08
///   China Mobile, 898601/06/09 China Unicom, 898603/11 China Telecom, 898615 广电;
/// - `I2`: an Android home-screen widget (Kotlin, `getProviderByOuben`): the same
///   plus 898613 China Mobile, 898605 China Telecom;
/// - `I3`: a web front end (JS, `keyICCId.startWith`): 898601/06/09 China Unicom,
///   898603/11 China Telecom;
/// - `I4`: OpenHarmony telephony `sim_file_manager.cpp` (`CT_ICCID_ARRAY`) and
///   MediaTek RIL (`isOp09Card`): 898603/11 China Telecom — OpenHarmony also lists
///   898606 as China Telecom, which conflicts with I1–I3.
pub const ISSUERS: &[Issuer] = &[
    Issuer {
        digits: "00",
        operator: Operator::ChinaMobile,
        source: "I1 I2",
        grade: Grade::B,
    },
    Issuer {
        digits: "02",
        operator: Operator::ChinaMobile,
        source: "I1 I2",
        grade: Grade::B,
    },
    Issuer {
        digits: "04",
        operator: Operator::ChinaMobile,
        source: "I1 I2",
        grade: Grade::B,
    },
    Issuer {
        digits: "07",
        operator: Operator::ChinaMobile,
        source: "I1 I2",
        grade: Grade::B,
    },
    Issuer {
        digits: "08",
        operator: Operator::ChinaMobile,
        source: "I1 I2",
        grade: Grade::B,
    },
    Issuer {
        digits: "13",
        operator: Operator::ChinaMobile,
        source: "I2",
        grade: Grade::C,
    },
    Issuer {
        digits: "01",
        operator: Operator::ChinaUnicom,
        source: "I1 I2 I3",
        grade: Grade::B,
    },
    // I4 (OpenHarmony) lists 898606 as China Telecom: conflicting, so uncertain.
    Issuer {
        digits: "06",
        operator: Operator::ChinaUnicom,
        source: "I1 I2 I3 (I4 disagrees)",
        grade: Grade::C,
    },
    Issuer {
        digits: "09",
        operator: Operator::ChinaUnicom,
        source: "I1 I2 I3",
        grade: Grade::B,
    },
    Issuer {
        digits: "03",
        operator: Operator::ChinaTelecom,
        source: "I1 I2 I3 I4",
        grade: Grade::B,
    },
    Issuer {
        digits: "11",
        operator: Operator::ChinaTelecom,
        source: "I1 I2 I3 I4",
        grade: Grade::B,
    },
    Issuer {
        digits: "15",
        operator: Operator::ChinaBroadnet,
        source: "I1 I2",
        grade: Grade::B,
    },
];

impl Operator {
    /// The issuer-number row for an ICCID (`8986` + two listed digits), if any.
    ///
    /// ```
    /// use iotcard::{Iccid, Operator};
    /// let mobile = Iccid::parse("89860012345678901238")?;
    /// assert_eq!(Operator::issuer(mobile).map(|i| i.operator), Some(Operator::ChinaMobile));
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn issuer(iccid: Iccid) -> Option<&'static Issuer> {
        let digits = iccid.as_str().strip_prefix("8986")?.get(..2)?;
        ISSUERS.iter().find(|i| i.digits == digits)
    }

    /// The operator an ICCID's issuer number names, or `None` ("unknown
    /// operator") when the number is not in [`ISSUERS`] or the card is not
    /// Chinese.
    ///
    /// ```
    /// use iotcard::{Iccid, Operator};
    /// let telecom = Iccid::parse("8986031234567890124")?;
    /// assert_eq!(Operator::of_iccid(telecom), Some(Operator::ChinaTelecom));
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn of_iccid(iccid: Iccid) -> Option<Operator> {
        Operator::issuer(iccid).map(|i| i.operator)
    }
}

#[cfg(test)]
mod tests {
    use super::{ISSUERS, Operator};
    use crate::ids::{Iccid, luhn_check_digit};

    fn iccid(body: &str) -> Iccid {
        let d = luhn_check_digit(body).expect("digits");
        Iccid::parse(&format!("{body}{d}")).expect("valid")
    }

    /// Every row of the table attributes its prefix; unlisted prefixes and
    /// non-Chinese cards give no operator.
    #[test]
    fn issuer_numbers_decode_as_the_table_says() {
        for row in ISSUERS {
            let c = iccid(&format!("8986{}123456789012", row.digits));
            assert_eq!(Operator::of_iccid(c), Some(row.operator), "{}", row.digits);
        }
        for unknown in ["05", "10", "12", "14", "99"] {
            let c = iccid(&format!("8986{unknown}123456789012"));
            assert_eq!(Operator::of_iccid(c), None, "{unknown}");
        }
        assert_eq!(Operator::of_iccid(iccid("890126123456789012")), None);
        let mut seen = std::collections::HashSet::new();
        assert!(
            ISSUERS.iter().all(|i| seen.insert(i.digits)),
            "listed twice"
        );
    }

    const CARD: &str = r#""msisdn": "1440012345678",
        "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                 "period": "month", "quota_bytes": 1, "monthly_fee": 0}"#;

    /// A card may name its operator; the name wins over the ICCID and survives a
    /// stored state; a state without it (older) still loads.
    #[test]
    fn a_card_may_name_its_operator() {
        use crate::{Card, NewCard};
        let named = NewCard::from_json(&format!(
            r#"{{"iccid": "89860012345678901238", "operator": "china_unicom", {CARD}}}"#
        ))
        .expect("valid");
        let card = Card::new(&named).expect("valid");
        assert_eq!(card.operator(), Some(Operator::ChinaUnicom));
        let back = Card::from_json(&card.to_json()).expect("round trip");
        assert_eq!(back, card);
        let plain = Card::new(
            &NewCard::from_json(&format!(r#"{{"iccid": "89860012345678901238", {CARD}}}"#))
                .expect("valid"),
        )
        .expect("valid");
        assert!(
            !plain.to_json().contains("operator"),
            "older readers keep working"
        );
        assert_eq!(plain.operator(), Some(Operator::ChinaMobile));
        let e = NewCard::from_json(&format!(
            r#"{{"iccid": "89860012345678901238", "operator": "cmcc", {CARD}}}"#
        ))
        .expect_err("unknown operator");
        assert!(e.to_string().contains("operator"), "{e}");
    }
}

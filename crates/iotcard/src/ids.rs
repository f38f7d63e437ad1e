//! Card identifiers: ICCID, MSISDN, IMEI and GB/T 2260 province codes, validated
//! once at the edge and stored compactly (no heap).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Luhn check over ASCII digits: true when the last digit is the check digit.
fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// The Luhn check digit for `body` (the identifier without its last digit), as
/// used by ICCIDs and IMEIs; `None` when `body` is not all ASCII digits.
///
/// ```
/// assert_eq!(iotcard::luhn_check_digit("8986001234567890123"), Some(8));
/// assert_eq!(iotcard::luhn_check_digit("49015420323751"), Some(8));
/// ```
pub fn luhn_check_digit(body: &str) -> Option<u8> {
    let b = body.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum = 0u32;
    for (i, d) in b.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    Some(((10 - sum % 10) % 10) as u8)
}

fn luhn_digit(body: &[u8]) -> u8 {
    std::str::from_utf8(body)
        .ok()
        .and_then(luhn_check_digit)
        .unwrap_or(0)
}

macro_rules! digit_id {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            len: u8,
            digits: [u8; $max],
        }

        impl $name {
            /// The identifier as a string of digits.
            pub fn as_str(&self) -> &str {
                // Only ASCII digits are ever stored.
                std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or("")
            }

            fn from_digits(s: &str) -> Self {
                let mut digits = [0u8; $max];
                digits[..s.len()].copy_from_slice(s.as_bytes());
                Self { len: s.len() as u8, digits }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::error::de_str(d, $name::parse)
            }
        }
    };
}

fn check_digits(field: &str, s: &str, min: usize, max: usize) -> Result<(), Error> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            field,
            format!("{s:?}"),
            "must contain digits only",
        ));
    }
    if s.len() < min || s.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(Error::invalid(
            field,
            format!("{s:?}"),
            format!("must have {want} digits, has {}", s.len()),
        ));
    }
    Ok(())
}

fn check_luhn(field: &str, s: &str) -> Result<(), Error> {
    let b = s.as_bytes();
    if luhn_ok(b) {
        Ok(())
    } else {
        let want = luhn_digit(&b[..b.len() - 1]);
        Err(Error::invalid(
            field,
            format!("{s:?}"),
            format!("Luhn check digit is wrong (expected {want})"),
        ))
    }
}

digit_id!(
    /// An ICCID: 19 or 20 digits, starting `89`, last digit the Luhn check digit.
    ///
    /// ```
    /// use iotcard::Iccid;
    /// assert!(Iccid::parse("89860012345678901238").is_ok());
    /// let e = Iccid::parse("89860012345678901239").unwrap_err();
    /// assert_eq!(e.code(), "invalid_input");
    /// ```
    Iccid,
    20
);

impl Iccid {
    /// Parses and validates an ICCID.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `iccid` when it is not 19–20 digits, does not
    /// start with `89`, or fails the Luhn check.
    pub fn parse(s: &str) -> Result<Self, Error> {
        check_digits("iccid", s, 19, 20)?;
        if !s.starts_with("89") {
            return Err(Error::invalid(
                "iccid",
                format!("{s:?}"),
                "must start with 89",
            ));
        }
        check_luhn("iccid", s)?;
        Ok(Self::from_digits(s))
    }
}

digit_id!(
    /// An MSISDN (the card's number): 11 to 15 digits.
    ///
    /// ```
    /// assert!(iotcard::Msisdn::parse("1440012345678").is_ok());
    /// assert!(iotcard::Msisdn::parse("12345").is_err());
    /// ```
    Msisdn,
    15
);

impl Msisdn {
    /// Parses and validates an MSISDN.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `msisdn` when it is not 11–15 digits.
    pub fn parse(s: &str) -> Result<Self, Error> {
        check_digits("msisdn", s, 11, 15)?;
        Ok(Self::from_digits(s))
    }
}

digit_id!(
    /// A device identity (IMEI): 15 digits, last digit the Luhn check digit.
    ///
    /// ```
    /// assert!(iotcard::Imei::parse("490154203237518").is_ok());
    /// assert!(iotcard::Imei::parse("490154203237519").is_err());
    /// ```
    Imei,
    15
);

impl Imei {
    /// Parses and validates an IMEI.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `imei` when it is not 15 digits or fails the
    /// Luhn check.
    pub fn parse(s: &str) -> Result<Self, Error> {
        check_digits("imei", s, 15, 15)?;
        check_luhn("imei", s)?;
        Ok(Self::from_digits(s))
    }
}

/// The GB/T 2260 province-level codes (two digits).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A two-digit GB/T 2260 province code (`65` Xinjiang, `35` Fujian, ...).
///
/// ```
/// assert_eq!(iotcard::Region::parse("65").unwrap().code(), 65);
/// assert!(iotcard::Region::parse("99").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Region(u8);

impl Region {
    /// Parses a two-digit province code.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `region` when it is not two digits or not a
    /// GB/T 2260 province code.
    pub fn parse(s: &str) -> Result<Self, Error> {
        check_digits("region", s, 2, 2)?;
        let n = (s.as_bytes()[0] - b'0') * 10 + (s.as_bytes()[1] - b'0');
        if PROVINCES.contains(&n) {
            Ok(Region(n))
        } else {
            Err(Error::invalid(
                "region",
                format!("{s:?}"),
                "is not a GB/T 2260 province code",
            ))
        }
    }

    /// The code as a number (11..=82).
    pub fn code(self) -> u8 {
        self.0
    }

    /// Builds a region from its numeric code.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `region` when `code` is not a province code.
    pub fn from_code(code: u8) -> Result<Self, Error> {
        if PROVINCES.contains(&code) {
            Ok(Region(code))
        } else {
            Err(Error::invalid(
                "region",
                code,
                "is not a GB/T 2260 province code",
            ))
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::error::de_str(d, Region::parse)
    }
}

/// A set of regions, as a bit set over the codes 0..128.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Regions(u128);

impl Regions {
    /// The empty set.
    pub const EMPTY: Regions = Regions(0);

    /// Whether `r` is in the set.
    pub fn contains(self, r: Region) -> bool {
        self.0 & (1u128 << r.0) != 0
    }

    /// Adds `r`.
    pub fn insert(&mut self, r: Region) {
        self.0 |= 1u128 << r.0;
    }

    /// The regions, in code order.
    pub fn iter(self) -> impl Iterator<Item = Region> {
        PROVINCES
            .iter()
            .map(|&c| Region(c))
            .filter(move |r| self.contains(*r))
    }
}

impl FromIterator<Region> for Regions {
    fn from_iter<I: IntoIterator<Item = Region>>(iter: I) -> Self {
        let mut s = Regions::EMPTY;
        for r in iter {
            s.insert(r);
        }
        s
    }
}

impl Serialize for Regions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Region>::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_examples() {
        assert!(Iccid::parse("89860012345678901238").is_ok());
        assert!(Imei::parse("490154203237518").is_ok());
        let e = Imei::parse("490154203237510").unwrap_err();
        assert!(e.to_string().contains("expected 8"), "{e}");
    }

    #[test]
    fn iccid_must_start_89() {
        let e = Iccid::parse("1234567890123456782").unwrap_err();
        assert!(e.to_string().contains("89"), "{e}");
    }

    #[test]
    fn region_codes() {
        for c in ["65", "35", "45", "54", "11", "82"] {
            assert!(Region::parse(c).is_ok(), "{c}");
        }
        for c in ["00", "6", "655", "x5", "99", "10"] {
            assert!(Region::parse(c).is_err(), "{c}");
        }
    }
}

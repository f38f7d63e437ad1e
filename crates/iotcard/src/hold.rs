//! Holds and services ("Lifecycle" in docs/rules.md): a hold is one active reason why
//! some services are barred. A card carries a *set* of holds; each hold bars a
//! fixed set of services. A card's holds ([`HoldsOn`]) carry what belongs to
//! each hold: when it went on, and for maintenance when the window ends.

use crate::Instant;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vdoc])* $var),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// Every value, ordered by name: the order of a JSON object keyed by
            /// these names (as `serde_json` writes its maps).
            #[allow(dead_code)]
            pub(crate) const BY_NAME: [$name; Self::ALL.len()] = {
                let mut a = [$($name::$var),+];
                let mut i = 1;
                while i < a.len() {
                    let mut j = i;
                    while j > 0 && crate::hold::name_before(a[j].name(), a[j - 1].name()) {
                        a.swap(j, j - 1);
                        j -= 1;
                    }
                    i += 1;
                }
                a
            };

            /// The name used in JSON (`docs/json.md`).
            pub const fn name(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// Looks a value up by its JSON name.
            ///
            /// # Errors
            /// [`crate::Error::InvalidInput`] naming the value when it is unknown.
            pub fn from_name(s: &str) -> Result<Self, crate::Error> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err(crate::Error::invalid(
                        $what,
                        format!("{s:?}"),
                        format!("unknown {}; expected one of: {}", $what, [$($s),+].join(", ")),
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::error::de_str(d, $name::from_name)
            }
        }
    };
}
pub(crate) use named_enum;

/// `a < b` byte-wise, at compile time (for `BY_NAME`).
pub(crate) const fn name_before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

named_enum!(
    /// A service a hold can bar.
    Service, "service" {
        /// Mobile data.
        Data = "data",
        /// Outgoing calls.
        VoiceOutgoing = "voice_outgoing",
        /// Incoming calls.
        VoiceIncoming = "voice_incoming",
        /// Text messages.
        Sms = "sms",
    }
);

named_enum!(
    /// One reason why services are barred (docs/rules.md "Words": hold).
    #[non_exhaustive]
    Hold, "hold" {
        /// R1.2: manual suspension (人工停用); every service.
        Manual = "manual",
        /// R2.2: data quota exceeded with auto-suspend (自动超停); data only.
        OverQuota = "over_quota",
        /// R3.1: arrears (欠费停机); every service.
        Arrears = "arrears",
        /// R3.3: balance below the low-balance threshold (余额不足); outgoing calls only.
        LowBalance = "low_balance",
        /// R4.1: plan expired, in number retention (停机保号); every service.
        Expired = "expired",
        /// R5.2: traffic from another device (机卡绑定); every service.
        DeviceMismatch = "device_mismatch",
        /// R7.2: traffic from a restricted region (使用禁区); every service.
        RestrictedRegion = "restricted_region",
        /// R8.1: operator maintenance window (系统维护); every service.
        Maintenance = "maintenance",
        /// R9.2: card reported lost (挂失); every service.
        Lost = "lost",
    }
);

/// A set of values of a small enum, as a bit set (`1 << value as u8`).
macro_rules! bit_set {
    ($(#[$doc:meta])* $set:ident of $item:ident, $repr:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $set($repr);

        impl $set {
            /// The empty set.
            pub const EMPTY: $set = $set(0);

            /// Every value.
            pub const ALL_SET: $set = {
                let mut bits: $repr = 0;
                let mut i = 0;
                while i < $item::ALL.len() {
                    bits |= 1 << i;
                    i += 1;
                }
                $set(bits)
            };

            /// The set of one value.
            pub const fn of(x: $item) -> $set {
                $set(1 << x as u8)
            }

            /// The raw bits (`1 << value` for each member), as in the C header.
            pub const fn bits(self) -> $repr {
                self.0
            }

            /// A set from raw bits; bits beyond the known values are dropped.
            pub const fn from_bits_truncate(bits: $repr) -> $set {
                $set(bits & $set::ALL_SET.0)
            }

            /// Whether `x` is in the set.
            pub const fn contains(self, x: $item) -> bool {
                self.0 & (1 << x as u8) != 0
            }

            /// Whether the set is empty.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Number of members.
            pub const fn len(self) -> usize {
                self.0.count_ones() as usize
            }

            /// The union.
            #[must_use]
            pub const fn union(self, other: $set) -> $set {
                $set(self.0 | other.0)
            }

            /// Adds `x`; true when it was not there.
            pub fn insert(&mut self, x: $item) -> bool {
                let had = self.contains(x);
                self.0 |= 1 << x as u8;
                !had
            }

            /// Removes `x`; true when it was there.
            pub fn remove(&mut self, x: $item) -> bool {
                let had = self.contains(x);
                self.0 &= !(1 << x as u8);
                had
            }

            /// The members, in declaration order.
            pub fn iter(self) -> impl Iterator<Item = $item> + Clone {
                $item::ALL.iter().copied().filter(move |x| self.contains(*x))
            }
        }

        impl ::std::fmt::Debug for $set {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_set().entries(self.iter()).finish()
            }
        }

        impl FromIterator<$item> for $set {
            fn from_iter<I: IntoIterator<Item = $item>>(iter: I) -> Self {
                let mut s = $set::EMPTY;
                for x in iter {
                    s.insert(x);
                }
                s
            }
        }

        impl ::serde::Serialize for $set {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $set {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(<Vec<$item> as ::serde::Deserialize>::deserialize(d)?.into_iter().collect())
            }
        }
    };
}
pub(crate) use bit_set;

bit_set!(
    /// A set of [`Hold`]s (bit `1 << hold as u8`).
    Holds of Hold, u16
);
bit_set!(
    /// A set of [`Service`]s (bit `1 << service as u8`).
    Services of Service, u8
);

impl Hold {
    /// The services this hold bars.
    ///
    /// ```
    /// use iotcard::{Hold, Service};
    /// assert!(Hold::OverQuota.bars().contains(Service::Data));
    /// assert!(!Hold::OverQuota.bars().contains(Service::Sms));
    /// assert_eq!(Hold::Arrears.bars().len(), 4);
    /// ```
    pub const fn bars(self) -> Services {
        match self {
            Hold::OverQuota => Services::of(Service::Data),
            Hold::LowBalance => Services::of(Service::VoiceOutgoing),
            _ => Services::ALL_SET,
        }
    }
}

impl Holds {
    /// The holds that bar every service.
    pub const FULL: Holds = {
        let mut bits = 0u16;
        let mut i = 0;
        while i < Hold::ALL.len() {
            if Hold::ALL[i].bars().bits() == Services::ALL_SET.bits() {
                bits |= 1 << i;
            }
            i += 1;
        }
        Holds(bits)
    };

    /// The services barred by the holds in the set (a branch-free table union).
    pub fn barred(self) -> Services {
        if self.0 & Holds::FULL.0 != 0 {
            return Services::ALL_SET;
        }
        let mut s = Services::EMPTY;
        if self.contains(Hold::OverQuota) {
            s = s.union(Hold::OverQuota.bars());
        }
        if self.contains(Hold::LowBalance) {
            s = s.union(Hold::LowBalance.bars());
        }
        s
    }

    /// Whether any hold in the set bars every service.
    pub const fn any_full(self) -> bool {
        self.0 & Holds::FULL.0 != 0
    }
}

/// The holds on a card, each with what belongs to it: when it went on, and for
/// [`Hold::Maintenance`] when its window ends. One value, so that a hold and its
/// data go on and come off together.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct HoldsOn {
    set: Holds,
    /// When each hold in `set` went on (index `Hold as usize`). The entry of a
    /// hold that is off is the Unix epoch, so that equal sets of holds with equal
    /// data compare equal and the array copies into [`crate::Assessment::since`].
    since: [Instant; Hold::ALL.len()],
    /// The end of the maintenance window while [`Hold::Maintenance`] is on (the
    /// epoch otherwise).
    maintenance_until: Instant,
}

impl HoldsOn {
    /// No hold.
    pub(crate) const NONE: HoldsOn = HoldsOn {
        set: Holds::EMPTY,
        since: [Instant::UNIX_EPOCH; Hold::ALL.len()],
        maintenance_until: Instant::UNIX_EPOCH,
    };

    /// The set of holds that are on.
    pub(crate) const fn set(&self) -> Holds {
        self.set
    }

    /// Whether `hold` is on.
    pub(crate) const fn contains(&self, hold: Hold) -> bool {
        self.set.contains(hold)
    }

    /// When `hold` went on, if it is on.
    pub(crate) fn since(&self, hold: Hold) -> Option<Instant> {
        self.set.contains(hold).then(|| self.since[hold as usize])
    }

    /// When each hold went on (index `Hold as usize`; the epoch for holds that are off).
    pub(crate) const fn since_all(&self) -> [Instant; Hold::ALL.len()] {
        self.since
    }

    /// The end of the maintenance window, while the maintenance hold is on.
    pub(crate) fn maintenance_until(&self) -> Option<Instant> {
        self.set
            .contains(Hold::Maintenance)
            .then_some(self.maintenance_until)
    }

    /// The holds that are on, with when each went on.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Hold, Instant)> + '_ {
        self.set.iter().map(|h| (h, self.since[h as usize]))
    }

    /// Puts `hold` on at `since`; false (and nothing changes) when it is already on.
    /// The maintenance hold goes on with its end, by [`HoldsOn::put_maintenance`].
    pub(crate) fn put(&mut self, hold: Hold, since: Instant) -> bool {
        debug_assert!(
            hold != Hold::Maintenance,
            "maintenance goes on with its end"
        );
        self.insert(hold, since)
    }

    /// Puts the maintenance hold on at `since` until `until`, or, when it is
    /// already on, extends its window to `until` if that is later (R8.1:
    /// overlapping windows extend it). True when the hold went on.
    pub(crate) fn put_maintenance(&mut self, since: Instant, until: Instant) -> bool {
        let on = self.insert(Hold::Maintenance, since);
        self.maintenance_until = if on {
            until
        } else {
            self.maintenance_until.max(until)
        };
        on
    }

    fn insert(&mut self, hold: Hold, since: Instant) -> bool {
        if !self.set.insert(hold) {
            return false;
        }
        self.since[hold as usize] = since;
        true
    }

    /// Lifts `hold` with its data; false when it was not on.
    pub(crate) fn lift(&mut self, hold: Hold) -> bool {
        if !self.set.remove(hold) {
            return false;
        }
        self.since[hold as usize] = Instant::UNIX_EPOCH;
        if hold == Hold::Maintenance {
            self.maintenance_until = Instant::UNIX_EPOCH;
        }
        true
    }
}

impl std::fmt::Debug for HoldsOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (hold, since) in self.iter() {
            match self
                .maintenance_until()
                .filter(|_| hold == Hold::Maintenance)
            {
                Some(until) => m.entry(&hold, &(since, until)),
                None => m.entry(&hold, &since),
            };
        }
        m.finish()
    }
}

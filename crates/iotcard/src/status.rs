//! Status ("Lifecycle" in docs/rules.md): derived from activation, terminal state and
//! holds, never stored on its own.

use serde::{Deserialize, Serialize};

use crate::hold::{Holds, named_enum};

named_enum!(
    /// A card's status, derived from its holds (docs/rules.md "Lifecycle").
    Status, "status" {
        /// Never activated.
        Inventory = "inventory",
        /// Activated, no hold.
        Active = "active",
        /// Only holds that bar some services.
        Restricted = "restricted",
        /// At least one hold that bars every service.
        Suspended = "suspended",
        /// Terminal: number given up.
        Cancelled = "cancelled",
        /// Terminal: a lost card swapped for a new one.
        Replaced = "replaced",
    }
);

/// The two terminal states.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Terminal {
    /// `cancelled`.
    Cancelled,
    /// `replaced`.
    Replaced,
}

impl Status {
    /// Whether the status is terminal (`cancelled` or `replaced`).
    pub const fn is_terminal(self) -> bool {
        matches!(self, Status::Cancelled | Status::Replaced)
    }

    /// Derives the status: terminal wins, then inventory, then the holds decide.
    ///
    /// ```
    /// use iotcard::{Hold, Holds, Status};
    /// let mut h = Holds::EMPTY;
    /// assert_eq!(Status::derive(true, None, h), Status::Active);
    /// h.insert(Hold::LowBalance);
    /// assert_eq!(Status::derive(true, None, h), Status::Restricted);
    /// h.insert(Hold::Expired);
    /// assert_eq!(Status::derive(true, None, h), Status::Suspended);
    /// ```
    pub const fn derive(activated: bool, terminal: Option<Terminal>, holds: Holds) -> Status {
        match terminal {
            Some(Terminal::Cancelled) => Status::Cancelled,
            Some(Terminal::Replaced) => Status::Replaced,
            None if !activated => Status::Inventory,
            None if holds.is_empty() => Status::Active,
            None if holds.any_full() => Status::Suspended,
            None => Status::Restricted,
        }
    }
}

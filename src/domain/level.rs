use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// the classification level of an information item (Standard §3).
/// Ordered, so that an engagement's level is simply the maximum of its items'.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum ClassificationLevel {
    L1,
    L2,
    L3,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a classification level is L1, L2 or L3")]
pub struct InvalidLevel;

impl ClassificationLevel {
    pub const ALL: [ClassificationLevel; 3] = [Self::L1, Self::L2, Self::L3];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::L1 => "L1",
            Self::L2 => "L2",
            Self::L3 => "L3",
        }
    }

    /// The value stored in the database (1–3), which keeps `MAX()` meaningful in SQL.
    pub fn rank(self) -> i16 {
        match self {
            Self::L1 => 1,
            Self::L2 => 2,
            Self::L3 => 3,
        }
    }

    pub fn from_rank(rank: i16) -> Result<Self, InvalidLevel> {
        match rank {
            1 => Ok(Self::L1),
            2 => Ok(Self::L2),
            3 => Ok(Self::L3),
            _ => Err(InvalidLevel),
        }
    }

    /// the engagement's level is the highest of its items; none while it has none.
    pub fn highest<I: IntoIterator<Item = ClassificationLevel>>(items: I) -> Option<Self> {
        items.into_iter().max()
    }
}

impl FromStr for ClassificationLevel {
    type Err = InvalidLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "L1" | "l1" => Ok(Self::L1),
            "L2" | "l2" => Ok(Self::L2),
            "L3" | "l3" => Ok(Self::L3),
            _ => Err(InvalidLevel),
        }
    }
}

impl fmt::Display for ClassificationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_levels_and_nothing_else() {
        assert_eq!("L1".parse(), Ok(ClassificationLevel::L1));
        assert_eq!("l3".parse(), Ok(ClassificationLevel::L3));
        for bad in ["", "L0", "L4", "3", "LL2", "secret"] {
            assert_eq!(
                bad.parse::<ClassificationLevel>(),
                Err(InvalidLevel),
                "{bad}"
            );
        }
    }

    #[test]
    fn r_3_1_engagement_level_is_the_highest_item() {
        use ClassificationLevel::*;
        assert_eq!(ClassificationLevel::highest([L1, L3, L2]), Some(L3));
        assert_eq!(ClassificationLevel::highest([L1]), Some(L1));
        assert_eq!(ClassificationLevel::highest([]), None);
    }

    #[test]
    fn rank_round_trips() {
        for l in ClassificationLevel::ALL {
            assert_eq!(ClassificationLevel::from_rank(l.rank()), Ok(l));
        }
        assert!(ClassificationLevel::from_rank(0).is_err());
    }
}

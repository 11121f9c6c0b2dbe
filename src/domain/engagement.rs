/// Declares a closed set of values written in snake_case on the wire and in the database,
/// with parsing that names the allowed values when it fails.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[derive(diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// As read back from the database: the stored text exactly.
            pub fn from_stored(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        $crate::domain::stored::stored_as_text!($name);

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::domain::engagement::NotOneOf> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::engagement::NotOneOf(Self::ALL.iter().map(|v| v.as_str()).collect())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be one of: {}", .0.join(", "))]
pub struct NotOneOf(pub Vec<&'static str>);

wire_enum! {
    /// What kind of relationship hands the ward's information to an outside party.
    EngagementKind {
        Outsourcing => "outsourcing",
        DesignatedManagement => "designated_management",
        CloudService => "cloud_service",
    }
}

wire_enum! {
    /// Where an engagement stands; the allowed moves are in `policy::lifecycle`.
    Status {
        Draft => "draft",
        Selected => "selected",
        Contracted => "contracted",
        Active => "active",
        Ending => "ending",
        Closed => "closed",
        Terminated => "terminated",
    }
}

wire_enum! {
    /// A cloud service's registration under ISMAP (the government's cloud security
    /// assessment programme); ISMAP-LIU is its low-impact variant.
    Ismap {
        None => "none",
        Ismap => "ismap",
        IsmapLiu => "ismap_liu",
    }
}

wire_enum! {
    /// What a designated manager brings: its own information system for the designated
    /// work, or other assets brought into the facility.
    AssetKind {
        System => "system",
        Asset => "asset",
    }
}

impl EngagementKind {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Outsourcing => "業務委託",
            Self::DesignatedManagement => "指定管理",
            Self::CloudService => "クラウドサービス",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Outsourcing => "Outsourcing",
            Self::DesignatedManagement => "Designated management",
            Self::CloudService => "Cloud service",
        }
    }
}

impl Status {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Draft => "起案",
            Self::Selected => "選定済",
            Self::Contracted => "契約済",
            Self::Active => "履行中",
            Self::Ending => "終了手続中",
            Self::Closed => "終了",
            Self::Terminated => "中止・解除",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_and_names_the_allowed_values() {
        for k in EngagementKind::ALL {
            assert_eq!(EngagementKind::parse(k.as_str()), Ok(*k));
        }
        let err = EngagementKind::parse("consulting").unwrap_err();
        assert_eq!(
            err.to_string(),
            "must be one of: outsourcing, designated_management, cloud_service"
        );
        assert_eq!(Ismap::parse("ismap_liu"), Ok(Ismap::IsmapLiu));
        assert!(Status::parse("Active").is_err());
    }
}

/// A cloud service's own details (§9, §10).
#[derive(Debug, Clone)]
pub struct CloudDetails {
    pub service_name: super::BoundedText,
    /// Country or region where the data is kept, as the provider states it.
    pub data_location: super::BoundedText,
    pub ismap: Ismap,
}

/// An engagement's fields once parsed and checked against each other; the references
/// (division, people, vendor, parent) are identifiers already resolved by the caller.
#[derive(Debug, Clone)]
pub struct EngagementFields {
    pub kind: EngagementKind,
    pub title: super::BoundedText,
    pub division_id: String,
    pub responsible_user_id: String,
    pub vendor_id: String,
    /// the work entrusted, identified before the contract.
    pub scope: super::BoundedText,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// the designated management this subcontract belongs to.
    pub parent_id: Option<String>,
    pub cloud: Option<CloudDetails>,
}

impl EngagementKind {
    /// Who must be responsible: a security officer, or for a cloud service
    /// a system administrator.
    pub fn responsible_role(self) -> super::Role {
        match self {
            Self::CloudService => super::Role::SystemAdministrator,
            Self::Outsourcing | Self::DesignatedManagement => super::Role::SecurityOfficer,
        }
    }
}

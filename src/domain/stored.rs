//! How a closed set of values is stored: as its snake_case text. Reading a value this
//! version does not know is an error (the row cannot be loaded), never a default: a
//! state written by a newer release, or by hand, must not silently become another.

/// Stores `$name` as text through its `as_str`, and reads it back through
/// `$name::from_stored(&str) -> Option<$name>`, on every backend.
macro_rules! stored_as_text {
    ($name:ident) => {
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(
                        bytes,
                    )?;
                $name::from_stored(&text).ok_or_else(|| {
                    format!(
                        "{} {:?} in the database is not a value this version knows",
                        stringify!($name),
                        text
                    )
                    .into()
                })
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }
    };
}
pub(crate) use stored_as_text;

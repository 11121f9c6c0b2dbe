use serde::Serialize;
use utoipa::ToSchema;

pub use crate::db::count::Total;
use crate::i18n::Msg;
use crate::validate::Fields;

pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 1000;

/// One page of a list, with the total across all pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    /// How many items the list holds; when `total_exact` is false, more than this.
    pub total: i64,
    /// False when the list holds more than `total` items and was not counted further: a
    /// list counts exactly up to the service's `list_count_up_to` (10,000 unless set), or
    /// to the end of the page asked for when that is further.
    pub total_exact: bool,
}

impl<T> Page<T> {
    /// The total as counted.
    pub fn counted(&self) -> Total {
        Total {
            count: self.total,
            exact: self.total_exact,
        }
    }
}

/// `?page=&per_page=`, checked: pages count from 1, at most 1,000 items a page.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn parse(page: Option<&str>, per_page: Option<&str>, fields: &mut Fields) -> Paging {
        let mut number = |name: &str, value: Option<&str>, default: i64, max: i64| -> i64 {
            match value.map(|v| v.trim().parse::<i64>()) {
                None => default,
                Some(Ok(n)) if (1..=max).contains(&n) => n,
                Some(_) => {
                    fields.push(
                        name,
                        "invalid",
                        Msg::new(
                            format!("1 から {max} までの整数を指定してください"),
                            format!("Must be a whole number from 1 to {max}"),
                        ),
                    );
                    default
                }
            }
        };
        Paging {
            page: number("page", page, 1, 1_000_000),
            per_page: number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// The rows of this page, for the data layer.
    pub fn rows(&self) -> crate::db::Rows {
        crate::db::Rows::Page {
            offset: self.offset(),
            limit: self.per_page,
        }
    }

    pub fn wrap<T>(&self, items: Vec<T>, total: impl Into<Total>) -> Page<T> {
        let total = total.into();
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total: total.count,
            total_exact: total.exact,
        }
    }
}

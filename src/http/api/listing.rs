//! One page of a list, read for the signed-in caller: the shape every paged list route
//! shares once its query is parsed.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use crate::app::page::Paging;
use crate::db::{DbConnection, Rows};
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::policy::access::Visibility;

/// Runs `list` for what the caller may see, today, for the rows of `paging`, and answers
/// the page with the total.
pub async fn page_of<T, F>(
    state: &web::Data<AppState>,
    who: SignedIn,
    paging: Paging,
    list: F,
) -> AppResult<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: Fn(&mut DbConnection, &Visibility, NaiveDate, Rows) -> AppResult<(Vec<T>, i64)>
        + Send
        + 'static,
{
    let (items, total) = crate::app::read(state, who.origin(), move |tx| {
        let today = tx.today();
        list(tx.conn(), &who.actor.visibility(), today, paging.rows())
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.wrap(items, total)))
}

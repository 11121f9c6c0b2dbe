//! `/assets/<version>/<path>`: the embedded stylesheets, cached by browsers for a year
//! (a changed file gets a new address); another version is a plain 404.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/assets/{version}/{path:.*}")
            .route(web::get().to(asset))
            .default_service(web::to(|| async {
                HttpResponse::MethodNotAllowed()
                    .insert_header((header::ALLOW, "GET, HEAD"))
                    .finish()
            })),
    );
}

async fn asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (version, path) = path.into_inner();
    match crate::assets::get(&version, &path) {
        Some((bytes, content_type)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found"),
    }
}

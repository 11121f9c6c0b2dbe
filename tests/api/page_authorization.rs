//! The pages' authorization table: every page route, asked by nobody and by a signed-in
//! member of each role, against what the same request to the API gets (the pages call
//! the same use cases, so they must refuse and allow the same). A page route without a
//! row here fails the test (`itaku::http::pages::ROUTES`).
//!
//! Expectations per caller, in the order of `authorization::CALLERS`:
//! `A` allowed (any answer but a sign-in redirect, 403, 404 or 5xx: a form may still be
//! refused), `F` forbidden (403), `S` sent to the sign-in page to come back
//! (303 to `/sign-in?next=…`), `N` not found (404: allowed to ask, nothing there).

use std::collections::BTreeSet;

use itaku::domain::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::Method;

use crate::authorization::{setup, Fixture};
use crate::helpers::spawn_app;

struct PageRow {
    method: Method,
    route: &'static str,
    /// With `{own}`, `{other}` and `{vendor}` filled in.
    path: &'static str,
    /// The form's fields (the CSRF token is added).
    form: &'static str,
    expect: &'static str,
}

fn get(route: &'static str, path: &'static str, expect: &'static str) -> PageRow {
    PageRow {
        method: Method::GET,
        route,
        path,
        form: "",
        expect,
    }
}

fn post(
    route: &'static str,
    path: &'static str,
    form: &'static str,
    expect: &'static str,
) -> PageRow {
    PageRow {
        method: Method::POST,
        route,
        path,
        form,
        expect,
    }
}

fn table() -> Vec<PageRow> {
    vec![
        // Signing in: open to all; a signed-in person is sent on, the steps refuse politely.
        get("/sign-in", "/sign-in", "AAAAAAAA"),
        post(
            "/sign-in",
            "/sign-in",
            "email=x%40example.jp&password=x",
            "AAAAAAAA",
        ),
        get("/sign-in/code", "/sign-in/code", "SAAAAAAA"),
        post("/sign-in/code", "/sign-in/code", "code=000000", "SAAAAAAA"),
        get("/sign-in/password", "/sign-in/password", "SAAAAAAA"),
        post(
            "/sign-in/password",
            "/sign-in/password",
            "new_password=x",
            "SAAAAAAA",
        ),
        get("/sign-in/enrol", "/sign-in/enrol", "SAAAAAAA"),
        post(
            "/sign-in/enrol",
            "/sign-in/enrol",
            "code=000000",
            "SAAAAAAA",
        ),
        post(
            "/sign-in/enrol/start",
            "/sign-in/enrol/start",
            "",
            "SAAAAAAA",
        ),
        get(
            "/account/recovery-codes",
            "/account/recovery-codes",
            "SAAAAAAA",
        ),
        post(
            "/account/recovery-codes",
            "/account/recovery-codes",
            "code=000000",
            "SAAAAAAA",
        ),
        post(
            "/account/language",
            "/account/language",
            "lang=ja",
            "SAAAAAAA",
        ),
        // My work and the register, as GET /api/v1/deadlines and /api/v1/engagements.
        get("/", "/", "SAAAAAAA"),
        get("/engagements", "/engagements", "SAAAAAAA"),
        get(
            "/engagements/export.csv",
            "/engagements/export.csv",
            "SAAAAAAA",
        ),
        get("/engagements/{id}", "/engagements/{own}", "SAAAAAAA"),
        get("/engagements/{id}", "/engagements/{other}", "SAAAFFFA"),
        // Registering and changing, as POST/PATCH /api/v1/engagements.
        get("/engagements/new", "/engagements/new", "SAAAAAFF"),
        post(
            "/engagements/new",
            "/engagements/new",
            "kind=outsourcing&division=kumin&title=x",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/edit",
            "/engagements/{own}/edit",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/edit",
            "/engagements/{other}/edit",
            "SAAAFFFF",
        ),
        post(
            "/engagements/{id}/edit",
            "/engagements/{own}/edit",
            "title=%E7%AA%93%E5%8F%A3",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/edit",
            "/engagements/{other}/edit",
            "title=%E7%AA%93%E5%8F%A3",
            "SAAAFFFF",
        ),
        post(
            "/engagements/{id}/move",
            "/engagements/{own}/move",
            "to=draft",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/move",
            "/engagements/{other}/move",
            "to=draft",
            "SAAAFFFF",
        ),
        post(
            "/engagements/{id}/items",
            "/engagements/{own}/items",
            "name=x&level=L1",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/items",
            "/engagements/{other}/items",
            "name=x&level=L1",
            "SAAAFFFF",
        ),
        post(
            "/engagements/{id}/items/{item_id}/delete",
            "/engagements/{other}/items/none/delete",
            "",
            "SNNNFFFF",
        ),
        // Vendors are shared: everyone reads, those who register engagements change them.
        get("/vendors", "/vendors", "SAAAAAAA"),
        get("/vendors/{id}", "/vendors/{vendor}", "SAAAAAAA"),
        get("/vendors/new", "/vendors/new", "SAAAAAFF"),
        post("/vendors/new", "/vendors/new", "legal_name=x", "SAAAAAFF"),
        post(
            "/vendors/{id}",
            "/vendors/{vendor}",
            "legal_name=",
            "SAAAAAFF",
        ),
        // Administration (R-5.5.3.3/4): the pages are for those who administer, although
        // the API lets every member of staff read the lists of accounts and divisions.
        get("/admin/users", "/admin/users", "SAAAFFFF"),
        get("/admin/users/new", "/admin/users/new", "SAAAFFFF"),
        post(
            "/admin/users/new",
            "/admin/users/new",
            "email=x",
            "SAAAFFFF",
        ),
        get("/admin/users/{id}", "/admin/users/{user}", "SAAAFFFF"),
        post(
            "/admin/users/{id}",
            "/admin/users/{user}",
            "intent=update&display_name=%E6%94%B9%E5%90%8D",
            "SAAAFFFF",
        ),
        get("/admin/divisions", "/admin/divisions", "SAAAFFFF"),
        post(
            "/admin/divisions",
            "/admin/divisions",
            "code=&name=",
            "SAAAFFFF",
        ),
        // R-5.5.3.6: seen by those who administer or audit, confirmed by ROLE-CSM.
        get("/admin/access-review", "/admin/access-review", "SAAAFFFA"),
        post(
            "/admin/access-review",
            "/admin/access-review",
            "note=%E7%A2%BA%E8%AA%8D",
            "SFFAFFFF",
        ),
        // The outbox and the sweep are ROLE-CSM's.
        get("/admin/outbox", "/admin/outbox", "SFFAFFFF"),
        post(
            "/admin/outbox/{id}/retry",
            "/admin/outbox/none/retry",
            "",
            "SFFAFFFF",
        ),
        get("/admin/sweep", "/admin/sweep?dry_run=1", "SFFAFFFF"),
        post("/admin/sweep", "/admin/sweep", "", "SFFAFFFF"),
        // the audit log is for ROLE-AUD and ROLE-CISO.
        get("/audit-log", "/audit-log", "SAFFFFFA"),
        get("/audit-log/export.csv", "/audit-log/export.csv", "SAFFFFFA"),
        // The clause set and contracts, approvals: as the
        // API's rows; a decision only by whom the request was routed to.
        get(
            "/engagements/{id}/clauses",
            "/engagements/{own}/clauses",
            "SAAAAAAA",
        ),
        get(
            "/engagements/{id}/clauses",
            "/engagements/{other}/clauses",
            "SAAAFFFA",
        ),
        get(
            "/engagements/{id}/clauses/download",
            "/engagements/{own}/clauses/download?format=docx&lang=ja",
            "SAAAAAAA",
        ),
        get(
            "/engagements/{id}/completion-record",
            "/engagements/{own}/completion-record?format=pdf",
            "SAAAAAAA",
        ),
        get(
            "/engagements/{id}/completion-record",
            "/engagements/{other}/completion-record?format=pdf",
            "SAAAFFFA",
        ),
        post(
            "/engagements/{id}/contracts",
            "/engagements/{own}/contracts",
            "reference_number=X-1&signed_on=2030%2F3%2F1&clause_ids=CL-01",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/approvals",
            "/engagements/{own}/approvals",
            "subject=R-3.3.3%7Cnone",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/manager-assets",
            "/engagements/{own}/manager-assets",
            "kind=system&name=x",
            "SAAAAAFF",
        ),
        get("/approvals", "/approvals", "SAAAAAAA"),
        post(
            "/approvals/{id}/decision",
            "/approvals/{approval}/decision",
            "decision=rejected&reason=%E8%A6%8B%E7%9B%B4%E3%81%97",
            "SFFFFAFF",
        ),
        // Periodic checks: sent, reviewed and their links managed by who changes
        // the engagement; read where it is visible.
        post(
            "/engagements/{id}/checks",
            "/engagements/{own}/checks",
            "due_on=",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/checks",
            "/engagements/{other}/checks",
            "due_on=",
            "SAAAFFFF",
        ),
        post(
            "/engagements/{id}/check-interval",
            "/engagements/{own}/check-interval",
            "months=6",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/check-interval",
            "/engagements/{other}/check-interval",
            "months=6",
            "SAAAFFFF",
        ),
        // Waivers: asked for by those who may change the engagement; decided by ROLE-CISO,
        // ROLE-DCISO and ROLE-CSM, never the one who owes it or asked.
        post(
            "/engagements/{id}/waivers",
            "/engagements/{own}/waivers",
            "rule_id=R-8.3.1&reason=%E5%BA%81%E8%88%8E%E5%86%85%E4%BD%9C%E6%A5%AD",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/waivers/{waiver_id}/decision",
            "/engagements/{own}/waivers/{waiver}/decision",
            "decision=approved",
            "SAAAFFFF",
        ),
        // Records (R-8.3.1 supervision on the own outsourcing): those who may change it.
        post(
            "/engagements/{id}/records",
            "/engagements/{own}/records",
            "kind=supervision&occurred_on=2026-01-05&method=on_site&observed=%E7%A2%BA%E8%AA%8D",
            "SAAAAAFF",
        ),
        // A record's files: the same as the API's (a form that is not multipart is
        // refused as the wrong media type to those who may attach).
        post(
            "/engagements/{id}/records/{record_id}/files",
            "/engagements/{own}/records/{record}/files",
            "file=x",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/records/{record_id}/files/{file_id}",
            "/engagements/{own}/records/{record}/files/{record_file}",
            "SAAAAAAA",
        ),
        post(
            "/engagements/{id}/records",
            "/engagements/{other}/records",
            "kind=supervision&occurred_on=2026-01-05&method=on_site&observed=%E7%A2%BA%E8%AA%8D",
            "SAAAFFFF",
        ),
        // A cloud service's configuration records: as the API's.
        get(
            "/engagements/{id}/configuration",
            "/engagements/{cloud}/configuration",
            "SAAAAAAA",
        ),
        post(
            "/engagements/{id}/configuration/{version}/approval",
            "/engagements/{cloud}/configuration/1/approval",
            "",
            "SAAAAFFF",
        ),
        post(
            "/engagements/{id}/configuration",
            "/engagements/{cloud}/configuration",
            "change_summary=x&tenant=t&regions=r&network_exposure=n&mfa=m&admin_accounts=a&logging=l&encryption=e&backup=b",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/configuration/compare",
            "/engagements/{cloud}/configuration/compare?from=1&to=1",
            "SAAAAAAA",
        ),
        get(
            "/engagements/{id}/cloud-service",
            "/engagements/{cloud}/cloud-service",
            "SAAAAAAA",
        ),
        post(
            "/engagements/{id}/cloud-service/ismap-listing",
            "/engagements/{cloud}/cloud-service/ismap-listing",
            "list=ismap&registration_number=C21&listed_service=x&regions=r&audit_period_end=2029-06-30",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/cloud-service/data-location",
            "/engagements/{cloud}/cloud-service/data-location",
            "storage_countries=JP&storage_regions=x&backup_countries=JP&support_countries=JP&governing_law=x&court=x",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/subprocessors",
            "/engagements/{cloud}/subprocessors",
            "SAAAAAAA",
        ),
        post(
            "/engagements/{id}/subprocessors/changes/{change_id}/acknowledgement",
            "/engagements/{cloud}/subprocessors/changes/{subprocessor_change}/acknowledgement",
            "",
            "SAAAAFFF",
        ),
        post(
            "/engagements/{id}/subprocessors/changes",
            "/engagements/{cloud}/subprocessors/changes",
            "kind=removed&name=x&purpose=x&country=JP&effective_on=2030-04-01",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/subprocessors/link",
            "/engagements/{cloud}/subprocessors/link",
            "",
            "SAAAAAFF",
        ),
        get(
            "/engagements/{id}/responsibility",
            "/engagements/{cloud}/responsibility",
            "SAAAAAAA",
        ),
        post(
            "/engagements/{id}/responsibility/{version}/approval",
            "/engagements/{cloud}/responsibility/1/approval",
            "",
            "SAAAAFFF",
        ),
        post(
            "/engagements/{id}/responsibility/{version}/sending",
            "/engagements/{cloud}/responsibility/1/sending",
            "",
            "SAAAAAFF",
        ),
        post(
            "/engagements/{id}/responsibility",
            "/engagements/{cloud}/responsibility",
            "service_model=iaas&change_summary=x",
            "SAAAAAFF",
        ),
        get("/checks", "/checks", "SAAAAAAA"),
        get("/checks/export.csv", "/checks/export.csv", "SAAAAAAA"),
        get("/checks/{id}", "/checks/{check}", "SAAAAAAA"),
        get(
            "/checks/{id}/evidence/{evidence_id}",
            "/checks/{check}/evidence/{evidence}",
            "SAAAAAAA",
        ),
        post(
            "/checks/{id}/review",
            "/checks/{check}/review",
            "decision=accept",
            "SAAAAAFF",
        ),
        post(
            "/checks/{id}/links/revoke",
            "/checks/{check}/links/revoke",
            "",
            "SAAAAAFF",
        ),
        post(
            "/checks/{id}/links",
            "/checks/{check}/links",
            "",
            "SAAAAAFF",
        ),
        // Findings: edited by who changes the engagement; a risk accepted by CISO, DCISO
        // or CSM, never the finding's owner.
        get("/findings", "/findings", "SAAAAAAA"),
        get("/findings/export.csv", "/findings/export.csv", "SAAAAAAA"),
        get("/findings/{id}", "/findings/{finding}", "SAAAAAAA"),
        post(
            "/findings/{id}",
            "/findings/{finding}",
            "state=in_progress",
            "SAAAAAFF",
        ),
        post(
            "/findings/{id}/risk-acceptance",
            "/findings/{finding}/risk-acceptance",
            "reason=%E4%BB%A3%E6%9B%BF%E6%8E%AA%E7%BD%AE",
            "SAAAFFFF",
        ),
        // Last: it ends each caller's session.
        post("/sign-out", "/sign-out", "", "SAAAAAAA"),
    ]
}

fn fill(path: &str, fx: &Fixture) -> String {
    path.replace("{own}", &fx.own)
        .replace("{other}", &fx.other)
        .replace("{vendor}", &fx.vendor)
        .replace("{user}", &fx.target_user)
        .replace("{approval}", &fx.approval)
        .replace("{waiver}", &fx.waiver)
        .replace("{record}", &fx.record)
        .replace("{record_file}", &fx.record_file)
        .replace("{subprocessor_change}", &fx.subprocessor_change)
        .replace("{cloud}", &fx.cloud)
        .replace("{check}", &fx.check)
        .replace("{evidence}", &fx.evidence)
        .replace("{finding}", &fx.finding)
}

#[tokio::test]
async fn every_page_for_every_role_and_for_nobody() {
    let rows = table();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    let routes: BTreeSet<(String, String)> = itaku::http::pages::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        routes.difference(&covered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "page routes without a row"
    );

    let app = spawn_app().await;
    let admin = app.staff(&[Role::Ciso], &[]).await;
    let fx = setup(&app, &admin).await;
    // Nobody, then a signed-in member of each role (division staff in `kumin`).
    let mut sessions: Vec<Option<(String, String)>> = vec![None];
    for role in [
        Role::Ciso,
        Role::DeputyCiso,
        Role::ChiefSystemManager,
        Role::SystemAdministrator,
        Role::SecurityOfficer,
        Role::Csirt,
        Role::Auditor,
    ] {
        let user = app.staff(&[role], &["kumin"]).await;
        let enrolled = app.enrol(&user).await;
        sessions.push(Some((enrolled.session.cookie, enrolled.session.csrf)));
    }

    let mut wrong = Vec::new();
    for row in &rows {
        for (n, expect) in row.expect.chars().enumerate() {
            let mut req = app
                .client
                .request(row.method.clone(), app.url(&fill(row.path, &fx)));
            let mut form = row.form.to_string();
            if let Some((cookie, csrf)) = &sessions[n] {
                req = req.header(COOKIE, cookie);
                form = format!("csrf_token={csrf}&{form}");
            }
            if row.method == Method::POST {
                req = req
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(form);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let to_sign_in = status == 303
                && res
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|l| l.starts_with("/sign-in?next="));
            let got = match status {
                _ if to_sign_in => 'S',
                403 => 'F',
                404 => 'N',
                500..=599 => '?',
                _ => 'A',
            };
            if got != expect {
                wrong.push(format!(
                    "{} {} as {}: expected {expect}, got {got} ({status})",
                    row.method,
                    row.path,
                    crate::authorization::CALLERS[n]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

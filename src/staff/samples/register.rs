//! Samples of the register's forms and lists: empty, and filled with every error shown.

use super::super::views::register::*;
use super::super::views::{FormError, OptionView, PagerView};
use super::super::{Chrome, Page, StaffPages};
use crate::render::TemplateError;

/// The label keys the register's forms ask for by code.
pub const CODE_KEYS: &[&str] = &[
    "nav.vendors",
    "vendors.title",
    "vendors.new",
    "vendor_form.register",
    "vendor_form.save",
    "engagement_form.new_title",
    "engagement_form.edit",
    "engagement_form.register",
    "engagement_form.save",
    "item_form.delete_named",
    "item_form.level_L1",
    "item_form.level_L2",
    "item_form.level_L3",
    "ismap.none",
    "ismap.ismap",
    "ismap.ismap_liu",
    "flash.saved",
    "flash.item_added",
    "flash.item_removed",
];

fn field(full: bool) -> FieldView {
    FieldView {
        value: if full {
            "入力値".into()
        } else {
            String::new()
        },
        error: full.then(|| "入力してください".into()),
    }
}

fn options(full: bool) -> Vec<OptionView> {
    vec![OptionView {
        value: "v1".into(),
        label: "選択肢".into(),
        selected: full,
    }]
}

fn errors(full: bool) -> Vec<FormError> {
    if full {
        vec![FormError {
            field: "title".into(),
            message: "入力してください".into(),
        }]
    } else {
        vec![]
    }
}

pub fn item_form(full: bool) -> ItemFormView {
    ItemFormView {
        action: "/engagements/e1/items#items".into(),
        name: field(full),
        description: field(full),
        levels: options(full),
        level_error: full.then(|| "選んでください".into()),
        provided: full,
        errors: errors(full),
    }
}

fn vendor_form(full: bool) -> VendorFormView {
    VendorFormView {
        action: "/vendors/new".into(),
        legal_name: field(full),
        corporate_number: field(full),
        address: field(full),
        contacts: vec![ContactFields {
            number: 1,
            name_id: "contacts_0_name".into(),
            email_id: "contacts_0_email".into(),
            phone_id: "contacts_0_phone".into(),
            name: field(full),
            email: field(full),
            phone: field(full),
        }],
        contacts_error: full.then(|| "連絡先を登録してください".into()),
        errors: errors(full),
        submit: "登録する".into(),
    }
}

pub fn check(pages: &StaffPages, chrome: &Chrome) -> Result<(), TemplateError> {
    for full in [false, true] {
        pages.render_checked(
            Page::Vendors,
            chrome,
            &VendorsView {
                q: "港".into(),
                rows: if full {
                    vec![VendorRowView {
                        href: "/vendors/v1".into(),
                        name: "港清掃株式会社".into(),
                        corporate_number: "1234567890123".into(),
                        address: "東京都港区".into(),
                        contacts: "港 一郎".into(),
                    }]
                } else {
                    vec![]
                },
                pager: PagerView {
                    summary: "全1件".into(),
                    previous: None,
                    next: full.then(|| "/vendors?page=2".into()),
                },
                can_register: full,
            },
        )?;
        pages.render_checked(Page::VendorNew, chrome, &vendor_form(full))?;
        pages.render_checked(
            Page::Vendor,
            chrome,
            &VendorView {
                name: "港清掃株式会社".into(),
                corporate_number: String::new(),
                address: "東京都港区".into(),
                contacts: vec![ContactRow {
                    name: "港 一郎".into(),
                    email: "ichiro@example.jp".into(),
                    phone: String::new(),
                }],
                engagements_href: "/engagements?vendor=v1".into(),
                form: full.then(|| vendor_form(full)),
            },
        )?;
        pages.render_checked(
            Page::EngagementForm,
            chrome,
            &EngagementFormView {
                action: "/engagements/new".into(),
                new: full,
                kinds: options(full),
                kind_error: full.then(|| "選んでください".into()),
                title: field(full),
                divisions: options(full),
                division_error: full.then(|| "選んでください".into()),
                responsibles: options(full),
                responsible_error: full.then(|| "選んでください".into()),
                vendors: options(full),
                vendor_error: full.then(|| "選んでください".into()),
                parents: options(full),
                parent_error: full.then(|| "選んでください".into()),
                scope: field(full),
                starts_on: field(full),
                ends_on: field(full),
                cloud_service_name: field(full),
                cloud_data_location: field(full),
                ismaps: options(full),
                ismap_error: full.then(|| "選んでください".into()),
                errors: errors(full),
                cancel: "/engagements".into(),
                submit: "登録する".into(),
            },
        )?;
    }
    Ok(())
}

-- The engagement register (issue: Foundation). Identifiers are text (UUID v7 made in Rust)
-- and timestamps are UTC without a zone, so that one diesel schema serves both backends.

CREATE TABLE divisions (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT 1,
    language        TEXT NOT NULL DEFAULT 'ja',
    created_at      TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_divisions (
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    division_id TEXT NOT NULL REFERENCES divisions(id),
    PRIMARY KEY (user_id, division_id)
);
CREATE INDEX user_divisions_division ON user_divisions(division_id);

-- Bearer tokens and session cookies are high-entropy secrets: only their SHA-256 is kept.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);

CREATE TABLE vendors (
    id               TEXT PRIMARY KEY,
    legal_name       TEXT NOT NULL,
    corporate_number TEXT UNIQUE,
    address          TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

CREATE TABLE vendor_contacts (
    id        TEXT PRIMARY KEY,
    vendor_id TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL,
    phone     TEXT
);
CREATE INDEX vendor_contacts_vendor ON vendor_contacts(vendor_id);

CREATE TABLE engagements (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    division_id         TEXT NOT NULL REFERENCES divisions(id),
    responsible_user_id TEXT NOT NULL REFERENCES users(id),
    vendor_id           TEXT NOT NULL REFERENCES vendors(id),
    scope               TEXT NOT NULL,
    starts_on           DATE NOT NULL,
    ends_on             DATE NOT NULL,
    status              TEXT NOT NULL,
    parent_id           TEXT REFERENCES engagements(id),
    cloud_service_name  TEXT,
    cloud_data_location TEXT,
    cloud_ismap         TEXT,
    -- R-3.1: the highest level of the engagement's items, kept by the application in the
    -- same transaction as every item change; NULL while it has none.
    level               SMALLINT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (level IS NULL OR level BETWEEN 1 AND 3)
);
CREATE INDEX engagements_division ON engagements(division_id);
CREATE INDEX engagements_vendor ON engagements(vendor_id);
CREATE INDEX engagements_status ON engagements(status);
CREATE INDEX engagements_parent ON engagements(parent_id);

CREATE TABLE information_items (
    id                 TEXT PRIMARY KEY,
    engagement_id      TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL,
    level              SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 3),
    provided_to_vendor BOOLEAN NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX information_items_engagement ON information_items(engagement_id);

CREATE TABLE status_changes (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id),
    changed_at    TIMESTAMP NOT NULL
);
CREATE INDEX status_changes_engagement ON status_changes(engagement_id);

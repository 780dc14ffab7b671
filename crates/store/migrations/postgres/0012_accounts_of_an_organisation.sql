-- Accounts of a real organisation: each belongs to a healthcare region (none: national — an admin,
-- or a reader of every healthcare region), has an e-mail address and a single-sign-on identity, can
-- be deactivated (never deleted) and records its last sign-in.
ALTER TABLE users ADD COLUMN healthcare_region_id BIGINT REFERENCES healthcare_regions(id);
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN sso_id TEXT;
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
CREATE UNIQUE INDEX users_sso_id ON users (sso_id);

-- A region's reporter works in the healthcare region of its region; RCC staff and process leaders
-- in the installation's one healthcare region when it has one (an installation of several assigns
-- them in the accounts' pages).
UPDATE users SET healthcare_region_id = (SELECT r.healthcare_region_id FROM regions r WHERE r.id = users.region_id)
    WHERE region_id IS NOT NULL;
UPDATE users SET healthcare_region_id = (SELECT MIN(id) FROM healthcare_regions)
    WHERE role IN ('rcc', 'process') AND healthcare_region_id IS NULL
    AND (SELECT COUNT(*) FROM healthcare_regions) = 1;

-- The account an audit event is about (its page lists them).
ALTER TABLE audit_events ADD COLUMN account_id BIGINT REFERENCES users(id);
UPDATE audit_events SET account_id = (SELECT u.id FROM users u WHERE audit_events.subject = 'användare ' || u.username)
    WHERE field IN ('role', 'password');
CREATE INDEX audit_events_account ON audit_events (account_id) WHERE account_id IS NOT NULL;

-- API tokens with a life: an expiry, the last use, and revoked rather than deleted.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;

-- Single-use links to choose a password: an invitation to a new account, or a new password for a
-- forgotten one. Only the hash of the link's token is stored.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX account_links_user ON account_links (user_id);

-- Sign-ins with single sign-on under way (minutes): by the hash of the flow's state, its PKCE
-- verifier and nonce, and where to go after. Taken once, by the callback.
CREATE TABLE sso_flows (
    state_hash TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    next TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Sign-in attempts, per client address and per account, shared by every process of the
-- installation: how many failed within the window, and when the last one was.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL
);

//! Single sign-on with OpenID Connect (the relying party): the provider found by discovery, the
//! authorization code flow with PKCE, and the ID token's signature, issuer, audience, nonce and
//! expiry checked by the `openidconnect` crate. Configured by environment:
//!
//! - `UPPFOLJ_OIDC_ISSUER` — the provider (its discovery document is at `/.well-known/openid-configuration`);
//! - `UPPFOLJ_OIDC_CLIENT_ID`, and `UPPFOLJ_OIDC_CLIENT_SECRET` or `UPPFOLJ_OIDC_CLIENT_SECRET_FILE`;
//! - `UPPFOLJ_OIDC_CLAIM` — the claim that identifies a person (default `sub`; an HSA-id claim at Inera);
//! - `UPPFOLJ_PUBLIC_URL` — where people reach Uppfölj; the provider sends them back to its
//!   `/logga-in/oidc/callback`.
//!
//! A person signs in only to an active account whose single-sign-on identity an administrator has
//! set to that claim's value; nobody is created on the fly.

use std::collections::HashMap;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};

/// Every claim of the ID token beyond the standard ones, by name: where a configured claim such as
/// an HSA-id is found.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type RelyingParty = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The settings, as read from the environment.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub claim: String,
    pub public_url: String,
}

impl OidcConfig {
    /// The settings when `UPPFOLJ_OIDC_ISSUER` is set; `Err` names what is missing or wrong.
    pub fn from_env() -> Result<Option<OidcConfig>, String> {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(issuer) = var("UPPFOLJ_OIDC_ISSUER") else { return Ok(None) };
        let client_id = var("UPPFOLJ_OIDC_CLIENT_ID").ok_or("UPPFOLJ_OIDC_CLIENT_ID saknas")?;
        let client_secret = match (var("UPPFOLJ_OIDC_CLIENT_SECRET"), var("UPPFOLJ_OIDC_CLIENT_SECRET_FILE")) {
            (Some(s), None) => s,
            (None, Some(file)) => std::fs::read_to_string(&file)
                .map(|s| s.trim().to_owned())
                .map_err(|e| format!("UPPFOLJ_OIDC_CLIENT_SECRET_FILE ({file}) kunde inte läsas: {e}"))?,
            (Some(_), Some(_)) => {
                return Err(
                    "ange UPPFOLJ_OIDC_CLIENT_SECRET eller UPPFOLJ_OIDC_CLIENT_SECRET_FILE, inte båda".to_owned()
                );
            }
            (None, None) => {
                return Err("UPPFOLJ_OIDC_CLIENT_SECRET eller UPPFOLJ_OIDC_CLIENT_SECRET_FILE saknas".to_owned());
            }
        };
        let public_url = var("UPPFOLJ_PUBLIC_URL")
            .ok_or("UPPFOLJ_PUBLIC_URL saknas: adressen dit identitetsleverantören skickar tillbaka")?
            .trim_end_matches('/')
            .to_owned();
        let claim = var("UPPFOLJ_OIDC_CLAIM").unwrap_or_else(|| "sub".to_owned());
        Ok(Some(OidcConfig { issuer, client_id, client_secret, claim, public_url }))
    }
}

/// A discovered provider and this app as its client.
pub struct Oidc {
    client: RelyingParty,
    http: reqwest::Client,
    claim: String,
    public_url: String,
    end_session: Option<String>,
    client_id: String,
}

/// A flow begun: where to send the visitor, and what the callback checks it against.
pub struct Started {
    pub url: String,
    pub state: String,
    pub verifier: String,
    pub nonce: String,
}

impl Oidc {
    /// Finds the provider by discovery (its keys included); `Err` says what failed, in Swedish.
    pub async fn discover(cfg: &OidcConfig) -> Result<Oidc, String> {
        // The provider's answers are never followed elsewhere (no redirects: SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| format!("HTTP-klienten kunde inte skapas: {e}"))?;
        let issuer =
            IssuerUrl::new(cfg.issuer.clone()).map_err(|e| format!("UPPFOLJ_OIDC_ISSUER är ingen adress: {e}"))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|e| format!("identitetsleverantören {} kunde inte hittas: {e}", cfg.issuer))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.as_ref().map(|u| u.url().to_string());
        let redirect = RedirectUrl::new(format!("{}/logga-in/oidc/callback", cfg.public_url))
            .map_err(|e| format!("UPPFOLJ_PUBLIC_URL är ingen adress: {e}"))?;
        let client = RelyingParty::from_provider_metadata(
            metadata,
            ClientId::new(cfg.client_id.clone()),
            Some(ClientSecret::new(cfg.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        Ok(Oidc {
            client,
            http,
            claim: cfg.claim.clone(),
            public_url: cfg.public_url.clone(),
            end_session,
            client_id: cfg.client_id.clone(),
        })
    }

    /// The provider's address for this visitor to sign in at, with a fresh state, nonce and PKCE.
    pub fn start(&self) -> Started {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("openid".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Started {
            url: url.to_string(),
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        }
    }

    /// Exchanges the code (with the flow's PKCE verifier) and checks the ID token against the
    /// flow's nonce; answers the configured claim's value. `Err` is for the log, never the visitor.
    pub async fn finish(&self, code: &str, verifier: &str, nonce: &str) -> Result<String, String> {
        let tokens = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| format!("leverantören har ingen token-adress: {e}"))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| format!("koden kunde inte växlas: {e}"))?;
        let id_token = tokens.id_token().ok_or("svaret saknar ID-token")?;
        let claims = id_token
            .claims(&self.client.id_token_verifier(), &Nonce::new(nonce.to_owned()))
            .map_err(|e| format!("ID-token godtogs inte: {e}"))?;
        if self.claim == "sub" {
            return Ok(claims.subject().as_str().to_owned());
        }
        match claims.additional_claims().claims.get(&self.claim) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
            _ => Err(format!("ID-token saknar anspråket {}", self.claim)),
        }
    }

    /// Where to send a visitor who signs out, to end the provider's session too (RP-initiated
    /// logout), when the provider offers it.
    pub fn logout_url(&self) -> Option<String> {
        let end = self.end_session.as_ref()?;
        let mut url = reqwest::Url::parse(end).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("post_logout_redirect_uri", &format!("{}/", self.public_url));
        Some(url.to_string())
    }
}

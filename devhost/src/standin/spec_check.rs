//! The one place the stand-ins ask the official spec whether a request or a response is
//! valid: the core's conversion of the vendored OpenAPI files with its errata overlay
//! (`ghl_bridge::spec`), so devhost and the contract tests judge by the same rules.

use ghl_bridge::spec::Spec;
use serde_json::Value;

/// Validates a request body for `operation` (a GHL `operationId`) strictly: unknown
/// properties fail. `Err` carries messages in the real API's words ("property x should not
/// exist").
pub fn validate_request(operation: &str, body: &Value) -> Result<(), Vec<String>> {
    Spec::official().validate_request(operation, body)
}

/// Validates a response body for `operation` and `status` against the spec's response
/// schema (leniently: extra properties such as `traceId` are fine).
pub fn validate_response(operation: &str, status: u16, body: &Value) -> Result<(), Vec<String>> {
    Spec::official().validate_response(operation, status, body)
}

/**
 * Listener `tls { … }` with `acme`, `sni` and `dns-provider` (`kdl/server.rs`). Checks run in the
 * proxy's order; the first failure aborts the listener.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import { child, childrenNamed, firstString, getBool, getString, stringEntries } from "../values.js";
import type { AcmeConfig, SniConfig, TlsConfig } from "./types.js";

const KEY_TYPES = new Set(["ecdsa-p256", "p256", "ecdsa", "ecdsa-p384", "p384"]);
const DNS01_NAMES = new Set(["dns-01", "dns01", "dns"]);

function collectStrings(node: Node, name: string): string[] {
  return childrenNamed(node, name).flatMap((entryNode) => stringEntries(entryNode));
}

function parseDnsProvider(node: Node, listenerId: string): void {
  const type = getString(node, "type");
  if (type === null) {
    fail(
      node,
      `DNS provider configuration for listener '${listenerId}' requires 'type'`,
      "dns-provider",
    );
  }
  const lowered = type.toLowerCase();
  if (lowered === "webhook") {
    if (getString(node, "url") === null) {
      fail(
        node,
        `DNS provider 'webhook' for listener '${listenerId}' requires 'url'`,
        "dns-provider",
      );
    }
  } else if (lowered !== "hetzner" && lowered !== "cloudflare") {
    fail(
      child(node, "type") ?? node,
      `Unknown DNS provider type '${lowered}' for listener '${listenerId}'. Valid types: hetzner, webhook`,
      "dns-provider",
    );
  }
  if (getString(node, "credentials-file") === null && getString(node, "credentials-env") === null) {
    fail(
      node,
      `DNS provider configuration for listener '${listenerId}' requires either 'credentials-file' or 'credentials-env'`,
      "dns-provider",
    );
  }
}

/** Parses an `acme { … }` block (root or SNI). */
export function parseAcme(node: Node, listenerId: string): AcmeConfig {
  if (getString(node, "email") === null) {
    fail(node, `ACME configuration for listener '${listenerId}' requires 'email'`, "acme");
  }
  const domains = collectStrings(node, "domains");
  if (domains.length === 0) {
    fail(
      node,
      `ACME configuration for listener '${listenerId}' requires at least one domain in 'domains'`,
      "acme",
    );
  }
  const eab = child(node, "eab");
  if (eab) {
    if (getString(eab, "kid") === null) {
      fail(eab, "ACME EAB configuration requires 'kid'", "acme");
    }
    if (getString(eab, "hmac-key") === null) {
      fail(eab, "ACME EAB configuration requires 'hmac-key'", "acme");
    }
  }
  const challengeRaw = getString(node, "challenge-type");
  const challenge =
    challengeRaw !== null && DNS01_NAMES.has(challengeRaw.toLowerCase()) ? "dns-01" : "http-01";
  const keyType = getString(node, "key-type");
  if (keyType !== null && !KEY_TYPES.has(keyType.toLowerCase())) {
    fail(
      child(node, "key-type") ?? node,
      `Invalid key-type '${keyType}' for listener '${listenerId}'. Valid types: ecdsa-p256, ecdsa-p384`,
      "acme",
    );
  }
  const dnsProvider = child(node, "dns-provider");
  if (dnsProvider) {
    parseDnsProvider(dnsProvider, listenerId);
  }
  if (challenge === "dns-01" && !dnsProvider) {
    fail(
      node,
      `ACME configuration for listener '${listenerId}' uses DNS-01 challenge but no 'dns-provider' is configured`,
      "acme",
    );
  }
  if (challenge === "http-01" && domains.some((domain) => domain.startsWith("*."))) {
    fail(
      node,
      `ACME configuration for listener '${listenerId}' has wildcard domain(s) but uses HTTP-01 challenge. Wildcard domains require 'challenge-type "dns-01"'`,
      "acme",
    );
  }
  return { domains, challenge };
}

function parseSni(node: Node, listenerId: string): SniConfig {
  const hostnames = collectStrings(node, "hostnames");
  const priority = collectStrings(node, "priority-hostnames");
  if (hostnames.length > 0 && priority.length > 0) {
    fail(
      node,
      `SNI certificate for listener '${listenerId}' cannot specify both 'hostnames' and 'priority-hostnames'. Use 'hostnames' for an explicit hostname list (no auto-extraction), or 'priority-hostnames' for priority tie-breaking with full SAN auto-extraction.`,
      "sni",
    );
  }
  const acmeNode = child(node, "acme");
  const acme = acmeNode ? parseAcme(acmeNode, listenerId) : null;
  const certFile = getString(node, "cert-file");
  const keyFile = getString(node, "key-file");
  if (acme && (certFile !== null || keyFile !== null)) {
    fail(
      node,
      `SNI certificate for listener '${listenerId}' cannot specify both manual files and an 'acme' block`,
      "sni",
    );
  }
  if (!acme && (certFile === null || keyFile === null)) {
    fail(
      node,
      `SNI certificate for listener '${listenerId}' requires either both 'cert-file' and 'key-file', or an 'acme' block`,
      "sni",
    );
  }
  return { acme };
}

function tlsVersion(value: string | null): "TLS1.2" | "TLS1.3" | null {
  if (value === null) {
    return null;
  }
  const lowered = value.toLowerCase();
  return lowered === "1.3" || lowered === "tls1.3" || lowered === "tlsv1.3" ? "TLS1.3" : "TLS1.2";
}

/** Parses a listener `tls { … }` block. */
export function parseTls(node: Node, listenerId: string): TlsConfig {
  const acmeNode = child(node, "acme");
  const acme = acmeNode ? parseAcme(acmeNode, listenerId) : null;
  const certFile = getString(node, "cert-file");
  const keyFile = getString(node, "key-file");
  if (!acme && (certFile === null || keyFile === null)) {
    fail(
      node,
      `TLS configuration for listener '${listenerId}' requires either 'cert-file' and 'key-file', or an 'acme' block`,
      "tls",
    );
  }
  const cipherSuites: string[] = [];
  for (const suite of childrenNamed(node, "cipher-suite")) {
    const name = firstString(suite);
    if (name !== null) {
      cipherSuites.push(name);
    }
  }
  const sni = childrenNamed(node, "sni").map((sniNode) => parseSni(sniNode, listenerId));
  return {
    certFile,
    keyFile,
    caFile: getString(node, "ca-file"),
    minVersion: tlsVersion(getString(node, "min-version")) ?? "TLS1.2",
    maxVersion: tlsVersion(getString(node, "max-version")),
    clientAuth: getBool(node, "client-auth") ?? false,
    cipherSuites,
    sni,
    acme,
  };
}

import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/**
 * AuthnRequests waiting for their response (10 minutes). The browser that started one holds a
 * random binding token in a cookie; only SHA-256(token) is stored. A row is deleted when the
 * ACS consumes it, so each request is answered at most once.
 */
export const samlRequests = sqliteTable(
  "saml_requests",
  {
    /** The AuthnRequest ID (the response's InResponseTo). */
    id: text("id").primaryKey(),
    bindingHash: text("binding_hash").notNull(),
    orgId: text("org_id").notNull(),
    providerId: text("provider_id").notNull(),
    /** Dashboard path to land on after sign-in (validated as a local path). */
    returnTo: text("return_to").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("saml_requests_binding").on(t.bindingHash),
    index("saml_requests_expires").on(t.expiresAt),
  ],
);

/** Assertion ids already accepted, per provider, kept until the assertion would expire. */
export const samlAssertionIds = sqliteTable(
  "saml_assertion_ids",
  {
    providerId: text("provider_id").notNull(),
    assertionId: text("assertion_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.providerId, t.assertionId] }),
    index("saml_assertion_ids_expires").on(t.expiresAt),
  ],
);

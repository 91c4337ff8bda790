import { z } from "@hono/zod-openapi";
import { errorResponses } from "../errors";

/** A bundle id: its content digest, 64 lowercase hex characters. */
export const BUNDLE_ID_PATTERN = /^[0-9a-f]{64}$/;

/** Example values used across the node API documentation. */
export const EXAMPLE_NODE_ID = "5f0c6a8e-9a51-4c1e-8c1e-2b7f3f6d9a10";
export const EXAMPLE_BUNDLE_ID = "9f2c4e0a7b1d3c5e8f6a2b4d6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e";

/** A bundle id in a body (nullable where it means "none"). */
export const bundleIdSchema = z
  .string()
  .regex(BUNDLE_ID_PATTERN, "must be a bundle id (64 lowercase hex characters)")
  .openapi({ example: EXAMPLE_BUNDLE_ID });

/** Path parameter `{node_id}`. */
export const nodeIdParam = z.object({
  node_id: z
    .string()
    .uuid()
    .openapi({ param: { name: "node_id", in: "path" }, example: EXAMPLE_NODE_ID }),
});

/** Path parameters `{node_id}` and `{bundle_id}`. */
export const nodeBundleParams = nodeIdParam.extend({
  bundle_id: z
    .string()
    .regex(BUNDLE_ID_PATTERN, "must be a bundle id (64 lowercase hex characters)")
    .openapi({ param: { name: "bundle_id", in: "path" }, example: EXAMPLE_BUNDLE_ID }),
});

/** Node routes accept the static key or a node JWT. */
export const nodeSecurity: Array<Record<string, string[]>> = [{ nodeKey: [] }, { nodeJwt: [] }];

/** Errors every authenticated node route can return. */
export const nodeErrors = {
  401: errorResponses[401],
  403: errorResponses[403],
  429: errorResponses[429],
  500: errorResponses[500],
} as const;

/** Label keys: like Kubernetes label names (they are matched in selectors and `?label=`). */
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9_./-]{0,62})$/;
const MAX_LABELS = 64;
const MAX_LABEL_VALUE_CHARS = 255;

/** `{key: value}` labels used by rollout selectors. */
export const labelsSchema = z
  .record(
    z.string().regex(LABEL_KEY_PATTERN, "label keys are 1–63 characters: letters, digits, _ . / -"),
    z.string().max(MAX_LABEL_VALUE_CHARS),
  )
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, {
    message: `at most ${MAX_LABELS} labels`,
  })
  .openapi({ example: { region: "eu-west", tier: "edge" } });

/** Free-form JSON object (node metadata, event metadata). */
export const jsonObjectSchema = z
  .record(z.string(), z.unknown())
  .openapi({ example: { kernel: "6.8.0", zone: "eu-west-1a" } });

/** Free text a node may attach to a report or event, capped so one row stays small. */
export const MAX_NODE_TEXT_CHARS = 16 * 1024;

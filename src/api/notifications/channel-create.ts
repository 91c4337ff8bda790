import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { toBase64Url } from "../../bundles/bytes";
import { notificationChannels } from "../../db/schema";
import {
  type ChannelConfig,
  channelUrl,
  PAGERDUTY_REGIONS,
  redactConfig,
  TEAMS_FORMATS,
} from "../../notifications/channel-config";
import { sealChannelConfig } from "../../notifications/sealed";
import { outboundUrlProblem } from "../../notifications/url-guard";
import { badRequest, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { channelSchema, toChannel } from "./schema";

/** Most attempts a channel may configure; below the queue's max_retries, so we dead-letter first. */
export const MAX_ATTEMPTS_LIMIT = 10;
/** Random bytes of a generated webhook signing secret. */
const GENERATED_SECRET_BYTES = 32;

/**
 * A URL field: structurally checked here with loopback allowed; the handler re-checks loopback
 * against the deployment's policy (only the development flag allows it).
 */
const urlField = z
  .string()
  .max(2048)
  .superRefine((url, ctx) => {
    const problem = outboundUrlProblem(url, { allowLoopback: true });
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: problem });
    }
  });

const common = {
  name: z.string().trim().min(1).max(100).openapi({ example: "ops-slack" }),
  enabled: z.boolean().default(true),
  max_attempts: z
    .number()
    .int()
    .min(1)
    .max(MAX_ATTEMPTS_LIMIT)
    .default(8)
    .openapi({ description: "Attempts before the delivery is dead-lettered" }),
};

const body = z
  .discriminatedUnion("type", [
    z.object({
      ...common,
      type: z.literal("webhook"),
      url: urlField.openapi({ example: "https://ops.example.com/hooks/zentinel" }),
      secret: z.string().min(16).max(256).optional().openapi({
        description: "HMAC key for X-Zentinel-Signature; generated (and shown once) when omitted",
      }),
    }),
    z.object({
      ...common,
      type: z.literal("slack"),
      url: urlField.openapi({ example: "https://hooks.slack.com/services/T000/B000/XXXX" }),
    }),
    z.object({
      ...common,
      type: z.literal("teams"),
      url: urlField.openapi({ example: "https://example.webhook.office.com/workflows/…" }),
      format: z.enum(TEAMS_FORMATS).default("adaptive_card"),
    }),
    z.object({
      ...common,
      type: z.literal("pagerduty"),
      routing_key: z
        .string()
        .regex(/^[A-Za-z0-9]{20,64}$/, "must be a PagerDuty Events API v2 integration key")
        .openapi({ example: "R0123456789ABCDEF0123456789ABCDE" }),
      region: z.enum(PAGERDUTY_REGIONS).default("us"),
    }),
  ])
  .openapi("CreateNotificationChannel");

type Input = z.infer<typeof body>;

const created = channelSchema
  .extend({
    secret: z.string().optional().openapi({
      description: "Webhook signing secret, only when generated; shown once, store it now",
    }),
  })
  .openapi("CreatedNotificationChannel");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/notification-channels",
  tags: ["Notifications"],
  summary: "Create a notification channel (webhook, Slack, Teams, PagerDuty)",
  description:
    "The configuration (URLs, keys, secrets) is encrypted at rest and never shown again. URLs must " +
    "be https and must not point at loopback, private or reserved addresses. Webhooks are signed: " +
    '`X-Zentinel-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.',
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: created } } },
    ...operatorErrors,
  },
});

function configOf(input: Input): { config: ChannelConfig; generatedSecret: string | null } {
  switch (input.type) {
    case "webhook": {
      if (input.secret !== undefined) {
        return {
          config: { type: "webhook", url: input.url, secret: input.secret },
          generatedSecret: null,
        };
      }
      const random = crypto.getRandomValues(new Uint8Array(GENERATED_SECRET_BYTES));
      const secret = `whsec_${toBase64Url(random)}`;
      return { config: { type: "webhook", url: input.url, secret }, generatedSecret: secret };
    }
    case "slack":
      return { config: { type: "slack", url: input.url }, generatedSecret: null };
    case "teams":
      return {
        config: { type: "teams", url: input.url, format: input.format },
        generatedSecret: null,
      };
    case "pagerduty":
      return {
        config: { type: "pagerduty", routingKey: input.routing_key, region: input.region },
        generatedSecret: null,
      };
  }
}

/** POST /api/v1/projects/{project}/notification-channels */
export const registerCreateChannel = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId, config: settings } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const { config, generatedSecret } = configOf(input);
    const problem = outboundUrlProblem(channelUrl(config), {
      allowLoopback: settings.NOTIFY_ALLOW_LOCAL_URLS,
    });
    if (problem !== null) {
      throw badRequest("Channel URL refused", [{ path: "url", message: problem }]);
    }
    const id = crypto.randomUUID();
    const row = {
      id,
      projectId: project.id,
      name: input.name,
      type: input.type,
      configEnc: await sealChannelConfig(settings.ZCP_MASTER_KEY, id, config),
      enabled: input.enabled,
      maxAttempts: input.max_attempts,
      createdAt: clock.now(),
    };
    await db.insert(notificationChannels).values(row);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "notification_channel.created",
      resourceType: "notification_channel",
      resourceId: id,
      diff: {
        after: {
          name: row.name,
          type: row.type,
          enabled: row.enabled,
          max_attempts: row.maxAttempts,
          config: redactConfig(config),
        },
      },
      requestId,
    });
    const response = toChannel(row, config);
    return c.json(
      generatedSecret === null ? response : { ...response, secret: generatedSecret },
      201,
    );
  });

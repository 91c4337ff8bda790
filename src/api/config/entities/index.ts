import type { App } from "../../hono";
import { ENTITY_KINDS } from "../kinds";
import { registerCreateEntity } from "./create";
import { registerDeleteEntity } from "./delete";
import { registerGetEntity } from "./get";
import { registerListEntities } from "./list";
import { registerUpdateEntity } from "./update";

/** CRUD routes of every generic config-model kind. */
export function registerEntityRoutes(app: App): void {
  for (const def of ENTITY_KINDS) {
    registerListEntities(app, def);
    registerCreateEntity(app, def);
    registerGetEntity(app, def);
    registerUpdateEntity(app, def);
    registerDeleteEntity(app, def);
  }
}

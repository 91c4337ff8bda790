/**
 * Cron task modules. Importing this file registers every task with the scheduler (each module
 * calls registerCronTask at load); src/index.ts imports it once.
 */
import "./alert-watchdog";
import "./audit-retention";
import "./cert-expiry";
import "./drift";
import "./gc";
import "./gitops-rollouts";
import "./retention";
import "./saml-state";
import "./scheduled-rollouts";
import "./sessions";
import "./sso-states";
import "./staleness";
import "./telemetry-rollup";
import "./telemetry-slo";
import "./watchdog";
import "./waf-analytics";

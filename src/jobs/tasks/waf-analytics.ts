import { bucketStart } from "../../domain/telemetry/report";
import { HOUR_MS } from "../../domain/waf/baseline";
import { detectWafAnomalies, refreshBaselineSlot } from "../../services/waf-baselines";
import { type CronTask, registerCronTask } from "../cron";
import { PREVIOUS_HOUR_GRACE_MS } from "./telemetry-rollup";

/** Minute of the hour at which baselines are refreshed: after the previous hour is final. */
export const BASELINE_MINUTE = 15;
/** The anomaly job runs when the minute of the hour is a multiple of this. */
export const ANOMALY_EVERY_MIN = 15;

/**
 * Hourly (at :15, once the rollup has finalised the previous hour, see
 * PREVIOUS_HOUR_GRACE_MS): refreshes the hour-of-week baseline slot of the hour that just
 * closed, for every project with WAF data.
 */
export const wafBaselineTask: CronTask = {
  name: "waf-baseline",
  async run(services, scheduledTime) {
    if (new Date(scheduledTime).getUTCMinutes() !== BASELINE_MINUTE) {
      return { skipped: true };
    }
    const closed = bucketStart(scheduledTime - PREVIOUS_HOUR_GRACE_MS, "hour") - HOUR_MS;
    return refreshBaselineSlot(services, closed, scheduledTime);
  },
};

/** Every 15 minutes: WAF blocks of the last hour against the baselines. */
export const wafAnomalyTask: CronTask = {
  name: "waf-anomaly",
  async run(services, scheduledTime) {
    if (new Date(scheduledTime).getUTCMinutes() % ANOMALY_EVERY_MIN !== 0) {
      return { skipped: true };
    }
    // Minutes reach D1 once closed: the window ends at the start of the current minute.
    const windowEnd = bucketStart(scheduledTime, "minute");
    return detectWafAnomalies(services, windowEnd, scheduledTime);
  },
};

registerCronTask(wafBaselineTask);
registerCronTask(wafAnomalyTask);

import { describe, expect, it } from "vitest";
import { outboundUrlProblem } from "../../../src/notifications/url-guard";

const prod = { allowLoopback: false };
const dev = { allowLoopback: true };

describe("outbound URL guard", () => {
  it("allows https to public names and public IP literals", () => {
    for (const url of [
      "https://hooks.slack.com/services/T/B/X",
      "https://example.com:8443/hook?x=1",
      "https://8.8.8.8/hook",
      "https://[2606:4700:4700::1111]/hook",
    ]) {
      expect(outboundUrlProblem(url, prod), url).toBeNull();
    }
  });

  it("refuses plain http, other schemes, credentials and garbage in production", () => {
    expect(outboundUrlProblem("http://example.com/hook", prod)).toMatch(/https/);
    expect(outboundUrlProblem("ftp://example.com/hook", prod)).toMatch(/https/);
    expect(outboundUrlProblem("https://user:pw@example.com/", prod)).toMatch(/credentials/);
    expect(outboundUrlProblem("not a url", prod)).toMatch(/valid/);
    expect(outboundUrlProblem("/relative", prod)).toMatch(/valid/);
  });

  it("refuses loopback, private, link-local and reserved literals, in every spelling", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://localhost/",
      "https://api.localhost/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://2130706433/",
      "https://0x7f.0.0.1/",
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:10.0.0.1]/",
      "https://[64:ff9b::a9fe:a9fe]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://[ff02::1]/",
      "https://intranet/",
    ]) {
      expect(outboundUrlProblem(url, prod), url).toMatch(/must not point/);
    }
  });

  it("with the development flag allows loopback over http, and nothing more", () => {
    expect(outboundUrlProblem("http://127.0.0.1:9000/hook", dev)).toBeNull();
    expect(outboundUrlProblem("http://localhost:9000/hook", dev)).toBeNull();
    expect(outboundUrlProblem("http://[::1]:9000/hook", dev)).toBeNull();
    expect(outboundUrlProblem("http://192.168.1.1/hook", dev)).toMatch(/must not point/);
    expect(outboundUrlProblem("http://example.com/hook", dev)).toMatch(/https/);
  });
});

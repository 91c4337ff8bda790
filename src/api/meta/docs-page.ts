import type { App } from "../hono";
import { docsSecureHeaders } from "../middleware/secure-headers";

/**
 * GET /api/docs: a self-hosted API reference rendered in the browser from openapi.json.
 * No CDN: everything the page needs is inline, and runs under a strict CSP by the response's
 * nonce (set by `docsSecureHeaders`).
 */
export function registerDocsPage(app: App): void {
  app.get("/api/docs", docsSecureHeaders, (c) => {
    const nonce = c.get("secureHeadersNonce");
    if (nonce === undefined) {
      throw new Error("docsSecureHeaders did not set a nonce");
    }
    return c.html(docsHtml(nonce));
  });
}

/** The page, with `nonce` on its one style and one script element (base64, no quotes). */
const docsHtml = (nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Zentinel Control Plane API reference</title>
<style nonce="${nonce}">
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#0f172a;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
main{display:grid;grid-template-columns:260px 1fr;min-height:100vh}
nav{border-right:1px solid #e5e7eb;padding:12px;position:sticky;top:0;height:100vh;overflow:auto;font-size:13px}
nav a{display:block;color:#334155;text-decoration:none;padding:2px 0}nav h3{margin:12px 0 4px;font-size:12px;text-transform:uppercase;color:#64748b}
section{padding:16px 24px}.op{border:1px solid #e5e7eb;border-radius:8px;margin:12px 0;padding:12px 16px}
.m{display:inline-block;min-width:56px;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#047857}.post{color:#1d4ed8}.patch{color:#a16207}.delete{color:#b91c1c}.put{color:#7c3aed}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f8fafc;border:1px solid #e5e7eb;padding:8px;overflow:auto;border-radius:6px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left}
</style></head>
<body><header><h1>Zentinel Control Plane API reference</h1><div id="info"></div></header>
<main><nav id="nav" aria-label="Operations"></nav><section id="ops" aria-live="polite">Loading /api/v1/openapi.json…</section></main>
<script nonce="${nonce}">
const esc=(s)=>String(s??"").replace(/[&<>"]/g,(ch)=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"})[ch]);
const ref=(doc,s)=>{while(s&&s.$ref){s=s.$ref.split("/").slice(1).reduce((o,k)=>o[k],doc)}return s};
fetch("/api/v1/openapi.json").then(r=>r.json()).then(doc=>{
  document.getElementById("info").innerHTML=esc(doc.info.version)+" — "+esc(doc.info.description);
  const byTag={};
  for(const [path,item] of Object.entries(doc.paths)){for(const [method,op] of Object.entries(item)){
    const tag=(op.tags&&op.tags[0])||"Other";(byTag[tag]=byTag[tag]||[]).push({path,method,op});}}
  let nav="",out="",n=0;
  for(const [tag,ops] of Object.entries(byTag)){nav+="<h3>"+esc(tag)+"</h3>";out+="<h2>"+esc(tag)+"</h2>";
    for(const {path,method,op} of ops){const id="op"+(n++);
      nav+='<a href="#'+id+'"><span class="m '+method+'">'+method.toUpperCase()+"</span>"+esc(path)+"</a>";
      let h='<div class="op" id="'+id+'"><div><span class="m '+method+'">'+method.toUpperCase()+"</span> <code>"+esc(path)+"</code></div><p><b>"+esc(op.summary)+"</b></p>";
      if(op.description)h+="<p>"+esc(op.description)+"</p>";
      if(op.parameters&&op.parameters.length){h+="<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr>";
        for(const p0 of op.parameters){const p=ref(doc,p0);h+="<tr><td><code>"+esc(p.name)+"</code></td><td>"+esc(p.in)+"</td><td>"+(p.required?"yes":"no")+"</td><td>"+esc(p.description||"")+"</td></tr>";}h+="</table>";}
      const body=op.requestBody&&op.requestBody.content&&op.requestBody.content["application/json"];
      if(body)h+="<p>Request body</p><pre>"+esc(JSON.stringify(ref(doc,body.schema),null,2))+"</pre>";
      h+="<p>Responses</p><table>";
      for(const [code,r] of Object.entries(op.responses||{}))h+="<tr><td>"+esc(code)+"</td><td>"+esc(ref(doc,r).description)+"</td></tr>";
      out+=h+"</table></div>";}}
  document.getElementById("nav").innerHTML=nav;document.getElementById("ops").innerHTML=out;
}).catch(e=>{document.getElementById("ops").textContent="Could not load the OpenAPI document: "+e});
</script></body></html>`;

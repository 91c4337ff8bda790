/**
 * Strict XML parsing for SAML: any parser warning or error refuses the document, and so does a
 * DOCTYPE (entity expansion and external entities have no place in SAML; refusing them outright
 * is simpler than configuring them away). Helpers select children by namespace and local name,
 * never by prefix or XPath, so a prefix trick cannot redirect a lookup.
 */
import { DOMParser } from "@xmldom/xmldom";
import { SamlError } from "./errors";

const ELEMENT_NODE = 1;
const DOCUMENT_TYPE_NODE = 10;

/** Parses `xml` or throws `SamlError("malformed")`. */
export function parseXmlStrict(xml: string, what: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new SamlError("malformed", `${what} must not contain a DOCTYPE`);
  }
  const problems: string[] = [];
  const parser = new DOMParser({
    errorHandler: {
      warning: (msg: string) => problems.push(msg),
      error: (msg: string) => problems.push(msg),
      fatalError: (msg: string) => problems.push(msg),
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(xml, "text/xml");
  } catch {
    throw new SamlError("malformed", `${what} is not well-formed XML`);
  }
  if (problems.length > 0 || !doc.documentElement) {
    throw new SamlError("malformed", `${what} is not well-formed XML`);
  }
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === DOCUMENT_TYPE_NODE) {
      throw new SamlError("malformed", `${what} must not contain a DOCTYPE`);
    }
  }
  return doc;
}

/** True when `node` is an element with this namespace and local name. */
export function isElement(node: Node | null, ns: string, local: string): node is Element {
  return (
    node !== null &&
    node.nodeType === ELEMENT_NODE &&
    (node as Element).namespaceURI === ns &&
    (node as Element).localName === local
  );
}

/** Direct element children of `parent` with this namespace and local name, in order. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (isElement(n, ns, local)) {
      out.push(n);
    }
  }
  return out;
}

/** The single child with this name, or null when absent; several → `SamlError("malformed")`. */
export function optionalChild(parent: Element, ns: string, local: string): Element | null {
  const found = children(parent, ns, local);
  if (found.length > 1) {
    throw new SamlError("malformed", `${parent.localName} has more than one ${local}`);
  }
  return found[0] ?? null;
}

/** Every element in the document with this namespace and local name, at any depth. */
export function descendants(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
}

/** Trimmed text of an element: all descendant text, so comments cannot truncate a value. */
export function text(el: Element | null): string {
  return (el?.textContent ?? "").trim();
}

/** An attribute value, or null when absent. */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

/** Every element in the tree rooted at `root`, depth first. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    out.push(el);
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === ELEMENT_NODE) {
        walk(n as Element);
      }
    }
  };
  walk(root);
  return out;
}

/** Escapes text for an XML attribute or element value. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

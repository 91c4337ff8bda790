import { render } from "preact";
import { App } from "./app";
import { restoreAuth } from "./lib/auth";
import "./style.css";

const root = document.getElementById("app");
if (root) {
  render(<App />, root);
  void restoreAuth();
}

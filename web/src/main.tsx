import { render } from "preact";
import { App } from "./app";
import { restoreAuth } from "./lib/auth";
// Hand-written CSS, in cascade order (responsive overrides last).
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/components.css";
import "./styles/pages.css";
import "./styles/code.css";
import "./styles/rollouts.css";
import "./styles/responsive.css";

const root = document.getElementById("app");
if (root) {
  render(<App />, root);
  void restoreAuth();
}

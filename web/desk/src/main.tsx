import { render } from "preact";
import "@ui/kit.css";
import "./desk.css";
import { App } from "./App";
import { accessToken } from "@ui/api";
import { lang } from "@ui/i18n";

document.documentElement.lang = lang.value;
// A kept refresh token signs the officer back in before the first screen asks who they are.
void accessToken().finally(() => render(<App />, document.getElementById("app")!));

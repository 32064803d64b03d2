// The desk's screens in one list: its routes and, for those that have one, its navigation entry and who may use it.
// Another role's screens (the admin's) join by adding entries here: the shell draws the routes and the navigation
// from this list, filtered by the signed-in account's role.
import type { ComponentType } from "preact";
import type { Word } from "./strings";
import { lazy } from "preact-iso";
import { Queue } from "./screens/Queue";
import { ADMIN_SCREENS } from "./admin/screens";

const Dossier = lazy(() => import("./screens/Dossier").then((m) => m.Dossier));
const Intake = lazy(() => import("./screens/Intake").then((m) => m.Intake));
const Scan = lazy(() => import("./screens/Scan").then((m) => m.Scan));
const Payments = lazy(() => import("./screens/Payments").then((m) => m.Payments));

export type Role = "officer" | "admin";

export interface ScreenProps {
  params: Record<string, string>;
}

export interface DeskScreen {
  /** The route under the desk's mount ("" is the desk's home). */
  path: string;
  /** Given the route's parameters (``params.code`` for ``ho-so/:code``). */
  component: ComponentType<ScreenProps>;
  /** Who may open it; every screen but sign-in needs a signed-in staff account. */
  roles: Role[];
  /** Its entry in the navigation, when it has one. */
  nav?: Word;
}

export const SCREENS: DeskScreen[] = [
  { path: "", component: Queue, roles: ["officer", "admin"], nav: "navQueue" },
  { path: "ho-so/:code", component: Dossier, roles: ["officer", "admin"] },
  { path: "tiep-nhan", component: Intake, roles: ["officer"], nav: "navIntake" },
  { path: "quet-ma", component: Scan, roles: ["officer", "admin"], nav: "navScan" },
  { path: "thanh-toan", component: Payments, roles: ["officer", "admin"], nav: "navPayments" },
  ...ADMIN_SCREENS,
];

/** A path of the desk, under its mount (``/desk/`` as built). */
export function deskPath(path = ""): string {
  return `${import.meta.env.BASE_URL}${path}`;
}

// The admin's screens, joined to the desk's list (../screens.ts) for the admin role only; each is its own lazy
// chunk, so an officer's desk never loads them.
import { lazy } from "preact-iso";
import type { DeskScreen } from "../screens";

const Catalogue = lazy(() => import("./Catalogue").then((m) => m.Catalogue));
const ProcedureEdit = lazy(() => import("./ProcedureEdit").then((m) => m.ProcedureEdit));
const Import = lazy(() => import("./Import").then((m) => m.Import));
const StaffAccounts = lazy(() => import("./Staff").then((m) => m.StaffAccounts));
const Clients = lazy(() => import("./Clients").then((m) => m.Clients));
const DeadLetters = lazy(() => import("./DeadLetters").then((m) => m.DeadLetters));
const Templates = lazy(() => import("./Templates").then((m) => m.Templates));

export const ADMIN_SCREENS: DeskScreen[] = [
  { path: "quan-tri/thu-tuc", component: Catalogue, roles: ["admin"], nav: "navCatalogue" },
  { path: "quan-tri/thu-tuc/:code", component: ProcedureEdit, roles: ["admin"] },
  { path: "quan-tri/nhap-thu-tuc", component: Import, roles: ["admin"] },
  { path: "quan-tri/can-bo", component: StaffAccounts, roles: ["admin"], nav: "navStaff" },
  { path: "quan-tri/ung-dung", component: Clients, roles: ["admin"], nav: "navClients" },
  { path: "quan-tri/thu-chet", component: DeadLetters, roles: ["admin"], nav: "navDeadLetters" },
  { path: "quan-tri/mau-thong-bao", component: Templates, roles: ["admin"], nav: "navTemplates" },
];

// The signed-in officer's agency by name (the token carries its code): the shell and the queue say where they work.
import { effect, signal } from "@preact/signals";
import { api, session } from "@ui/api";

export const agencyName = signal<string | null>(null);

effect(() => {
  const code = session.value?.me.agency_code;
  agencyName.value = null;
  if (!code) return;
  void api
    .GET("/api/v1/agencies/{code}", { params: { path: { code } } })
    .then(({ data }) => data && session.value?.me.agency_code === code && (agencyName.value = data.name))
    .catch(() => undefined);
});

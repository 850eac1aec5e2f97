import { redirect } from '@sveltejs/kit';
import { get } from 'svelte/store';

import { lastUsedNamespace } from '@temporalio/ui/stores/namespaces';
import { routeForWorkflows } from '@temporalio/ui/utilities/route-for';

// The start page is the workflow list: of the namespace used last, else of the server's default one.
export const load = async ({ parent }) => {
  const { settings } = await parent();
  const last = get(lastUsedNamespace);
  const namespace = last && last !== 'default' ? last : settings.defaultNamespace;
  redirect(302, routeForWorkflows({ namespace }));
};

import { redirect } from '@sveltejs/kit';

import { routeForWorkflows } from '@temporalio/ui/utilities/route-for';

// A namespace's own page is its workflow list here (the real UI shows the namespace's settings).
export const load = async ({ params }) => {
  redirect(302, routeForWorkflows({ namespace: params.namespace }));
};

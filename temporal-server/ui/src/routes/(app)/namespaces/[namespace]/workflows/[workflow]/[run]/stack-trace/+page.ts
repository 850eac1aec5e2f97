import { redirect } from '@sveltejs/kit';

import { routeForCallStack } from '@temporalio/ui/utilities/route-for';

// The old name of the call-stack tab.
export const load = async ({ params }) => {
  redirect(302, routeForCallStack(params));
};

import { redirect } from '@sveltejs/kit';

import { getEndpointForRawHistory } from '@temporalio/ui/services/events-service';

// The run's whole history as one JSON file, served by the UI port's own download endpoint.
export const load = async ({ params }) => {
  redirect(302, getEndpointForRawHistory({ namespace: params.namespace, workflowId: params.workflow, runId: params.run }));
};

import { error, redirect } from '@sveltejs/kit';

import { fetchWorkflowForRunId } from '@temporalio/ui/services/workflow-service';

// A link to a workflow without a run opens its latest run.
export const load = async ({ url, params }) => {
  const { runId } = await fetchWorkflowForRunId({ namespace: params.namespace, workflowId: params.workflow });
  if (!runId) {
    error(404);
  }
  redirect(302, `${url.pathname}/${runId}`);
};

import { fetchCluster, fetchSystemInfo } from '@temporalio/ui/services/cluster-service';
import { fetchNamespaces } from '@temporalio/ui/services/namespaces-service';
import { fetchSettings } from '@temporalio/ui/services/settings-service';
import { clearAuthUser } from '@temporalio/ui/stores/auth-user';

import '../../app.css';

// What every page of the UI reads first: the UI server's settings (auth off, no codec, which actions are
// allowed), the cluster's and the server's capabilities (they switch filters, counts and features on or off),
// and the namespaces (loaded into the library's store in the background for the pickers).
export const load = async ({ fetch }) => {
  const settings = await fetchSettings(fetch);
  if (!settings.auth.enabled) {
    clearAuthUser();
  }
  fetchNamespaces(settings, fetch);
  const [cluster, systemInfo] = await Promise.all([fetchCluster(settings, fetch), fetchSystemInfo(settings, fetch)]);
  return { settings, cluster, systemInfo, user: {} };
};

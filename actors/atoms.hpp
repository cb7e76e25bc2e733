#pragma once
// All atoms of the project (at most 10 characters each).

#include <caf/atom.hpp>

namespace zega {

using generate_atom = caf::atom_constant<caf::atom("generate")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using avail_atom = caf::atom_constant<caf::atom("avail")>;
using archive_atom = caf::atom_constant<caf::atom("archive")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;
using job_atom = caf::atom_constant<caf::atom("job")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using http_done_atom = caf::atom_constant<caf::atom("httpdone")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using providers_atom = caf::atom_constant<caf::atom("providers")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using task_done_atom = caf::atom_constant<caf::atom("taskdone")>;
using rescore_atom = caf::atom_constant<caf::atom("rescore")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using finetune_atom = caf::atom_constant<caf::atom("finetune")>;
using userstats_atom = caf::atom_constant<caf::atom("userstats")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;

} // namespace zega

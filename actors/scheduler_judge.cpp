// The optional LLM judge (quality.judge): a finished task's candidates that pass the rubric's
// min_rubric are rated by the configured provider, through that provider actor and so its
// limits, and each rating is recorded as an attempt. The score kept is the blend.

#include "actors/scheduler_parts.hpp"

#include "training/judge.hpp"

namespace zega::sched {

namespace {

void on_verdict(self_ptr self, std::uint64_t tid, std::size_t cand, std::size_t pidx,
                gen_outcome o) {
  auto& st = self->state;
  --st.in_flight;
  --st.calls_out[pidx];
  auto& v = st.views[pidx];
  v.in_flight = std::max(0, v.in_flight - 1);
  const auto& judge = *st.cfg.quality.judge;
  auto it = st.tasks.find(tid);
  if (it != st.tasks.end() && cand < it->second.candidates.size()) {
    auto& t = it->second;
    --t.judging;
    store::attempt_record a;
    a.job_id = t.job_id;
    a.task_seq = t.seq;
    a.provider = st.deps.providers[pidx].first.name;
    a.model = o.model.empty() ? st.deps.providers[pidx].first.model : o.model;
    a.outcome = net::to_string(o.result.cls);
    a.http_status = o.result.http_status;
    a.latency_ms = o.latency_us / 1000;
    a.at_ms = wall_ms(self);
    std::string error;
    std::optional<training::judge_verdict> verdict;
    if (o.result.cls == net::outcome_class::ok)
      verdict = training::parse_judge_reply(o.result.text, error);
    else
      error = o.result.message.empty() ? net::to_string(o.result.cls) : o.result.message;
    // The attempt says it was a judge call; an unusable verdict is its error.
    a.error = "judge" + (verdict ? std::string{} : ": " + error);
    t.attempts.push_back(std::move(a));
    apply_verdict(t.candidates[cand], verdict, error, judge.weight);
    if (t.judging == 0)
      archive_winner(self, t);
  }
  check_drain(self);
  pump(self);
}

} // namespace

void apply_verdict(store::example_record& ex, const std::optional<training::judge_verdict>& v,
                   const std::string& error, double weight) {
  rapidjson::Document d;
  d.Parse(ex.quality_json.c_str(), ex.quality_json.size());
  if (d.HasParseError() || !d.IsObject())
    d.SetObject();
  auto& a = d.GetAllocator();
  rapidjson::Value j(rapidjson::kObjectType);
  if (v) {
    j.AddMember("score", v->score, a);
    j.AddMember("reason", rapidjson::Value(v->reason.c_str(), a), a);
    j.AddMember("weight", weight, a);
    j.AddMember("rubric", ex.quality, a);
    ex.quality = training::blend_scores(ex.quality, v->score, weight);
    if (d.HasMember("score"))
      d["score"].SetDouble(ex.quality);
  } else {
    j.AddMember("error", rapidjson::Value(error.c_str(), a), a);
  }
  d.RemoveMember("judge");
  d.AddMember("judge", j, a);
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  d.Accept(w);
  ex.quality_json.assign(buf.GetString(), buf.GetSize());
}

int start_judging(self_ptr self, sched_task& t) {
  auto& st = self->state;
  const auto& judge = st.cfg.quality.judge;
  if (!judge)
    return 0;
  auto p = st.provider_index.find(judge->provider);
  if (p == st.provider_index.end())
    return 0;
  auto pidx = p->second;
  const auto& [pc, handle] = st.deps.providers[pidx];
  if (!pc.enabled)
    return 0;
  int sent = 0;
  for (std::size_t k = 0; k < t.candidates.size(); ++k) {
    const auto& ex = t.candidates[k];
    if (ex.quality < judge->min_rubric)
      continue;
    auto prompt = training::build_judge_prompt(t.spec.el, ex.genre, ex.prompt, ex.output);
    gen_task g;
    g.task_id = t.id;
    g.job_id = t.job_id;
    g.task_seq = t.seq;
    g.params.system = prompt.system;
    g.params.prompt = prompt.user;
    g.params.max_tokens = std::min(prompt.max_tokens, pc.max_output_tokens);
    // A rating should be the model's most likely one, not a creative draw.
    g.params.temperature = 0;
    ++st.calls_out[pidx];
    auto& v = st.views[pidx];
    v.in_flight = std::max(v.in_flight + 1, st.calls_out[pidx]);
    ++st.in_flight;
    ++t.judging;
    ++sent;
    auto tid = t.id;
    auto name = pc.name;
    auto timeout = std::chrono::milliseconds(pc.timeouts.total_ms + provider_reply_slack_ms);
    self->request(handle, timeout, generate_atom::value, g)
      .then([=](gen_outcome& o) { on_verdict(self, tid, k, pidx, std::move(o)); },
            [=](caf::error& e) {
              gen_outcome o;
              o.task_id = tid;
              o.provider = name;
              o.result.cls = net::outcome_class::transient;
              o.result.message = name + ": provider actor did not answer ("
                                 + self->system().render(e) + ")";
              on_verdict(self, tid, k, pidx, std::move(o));
            });
  }
  return sent;
}

} // namespace zega::sched

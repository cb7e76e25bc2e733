// zegactl probe (one real call on a provider) and score (the local quality rubric).

#include "tools/zegactl/commands.hpp"
#include "tools/zegactl/tables.hpp"

#include "training/element.hpp"
#include "training/quality.hpp"

#include <fstream>
#include <iterator>

namespace zega::ctl {

int cmd_probe(client_env& env, const std::string& name) {
  auto resp = call(env, "POST", "/providers/" + url_encode(name) + "/probe", "{}");
  if (int rc = check_error(resp))
    return rc;
  auto doc = parse(resp.body);
  if (!doc || !doc->IsObject() || !doc->HasMember("ok") || !(*doc)["ok"].IsBool()) {
    std::cerr << "zegactl: unexpected answer: " << resp.body << "\n";
    return failed;
  }
  if (env.json_out)
    std::cout << resp.body << "\n";
  else
    print_tree(*doc);
  // The daemon answers 200 whatever the upstream call did; a failed call fails the command.
  if (flag(*doc, "ok"))
    return ok;
  std::cerr << "zegactl: probe " << name << " failed (" << str(*doc, "class");
  if (num(*doc, "http_status") > 0)
    std::cerr << ", HTTP " << static_cast<int>(num(*doc, "http_status"));
  std::cerr << "): " << str(*doc, "message") << "\n";
  return failed;
}

int cmd_score(const std::string& element_name, bool truncated, const std::string& file) {
  auto e = training::element_from_string(element_name);
  if (!e) {
    std::cerr << "zegactl: score: unknown element \"" << element_name << "\"\n";
    return usage;
  }
  std::string text;
  if (file.empty() || file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "zegactl: cannot read " << file << "\n";
      return failed;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The rubric's own report is the output, in every mode: it is what the daemon stores.
  std::cout << training::score(*e, text, truncated).to_json() << "\n";
  return ok;
}

} // namespace zega::ctl

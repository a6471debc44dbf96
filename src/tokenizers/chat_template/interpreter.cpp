#include "tokenizers/chat_template/interpreter.h"

#include <unordered_map>
#include <vector>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {
namespace {

// Macros calling themselves without end must fail, not exhaust the stack.
constexpr int kMaxCallDepth = 200;

struct Scope {
  std::shared_ptr<Scope> parent;
  std::unordered_map<std::string, Value> vars;

  const Value* lookup(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent.get()) {
      auto it = s->vars.find(name);
      if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
  }
};
using ScopePtr = std::shared_ptr<Scope>;

ScopePtr child(const ScopePtr& parent) {
  auto s = std::make_shared<Scope>();
  s->parent = parent;
  return s;
}

enum class Flow { Normal, Break, Continue };

class Interpreter {
 public:
  explicit Interpreter(std::shared_ptr<const Program> program) : program_(std::move(program)) {}

  // A macro holds the scope it was defined in and is itself stored there, and a template
  // can put a namespace() into itself: reference cycles, which reference counting never
  // frees. Emptying the scopes closures hold and the namespaces a template assigned to
  // breaks every such cycle once the render is over.
  ~Interpreter() {
    for (const auto& w : captured_)
      if (auto scope = w.lock()) {
        scope->vars.clear();
        scope->parent.reset();
      }
    for (const auto& w : namespaces_)
      if (auto ns = w.lock()) ns->clear();
  }

  std::string run(const Dict& variables) {
    auto globals = std::make_shared<Scope>();
    for (const auto& [k, v] : variables) globals->vars[k] = v;
    std::string out;
    try {
      exec(program_->body, child(globals), out);
    } catch (const TemplateFailure& e) {
      fail_at(at_, e.what());
    }
    return out;
  }

 private:
  Flow exec(const Body& body, const ScopePtr& scope, std::string& out) {
    for (const auto& s : body) {
      Flow f = exec(*s, scope, out);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  void append(std::string& out, const std::string& text) {
    if (out.size() + text.size() > kMaxStringBytes) throw TemplateFailure("output longer than the engine allows");
    out += text;
  }

  std::string render_body(const Body& body, const ScopePtr& scope) {
    std::string out;
    exec(body, scope, out);
    return out;
  }

  Flow exec(const Stmt& s, const ScopePtr& scope, std::string& out) {
    at_ = s.at;
    switch (s.kind) {
      case Stmt::Text: append(out, s.text); break;
      case Stmt::Output: append(out, eval(*s.expr, scope).str()); break;
      case Stmt::If:
        for (size_t i = 0; i < s.conditions.size(); ++i)
          if (eval(*s.conditions[i], scope).truthy()) return exec(s.bodies[i], scope, out);
        return exec(s.else_body, scope, out);
      case Stmt::For: exec_for(s, scope, out); break;
      case Stmt::Set: exec_set(s, scope); break;
      case Stmt::Macro: scope->vars[s.text] = macro(s, scope); break;
      case Stmt::CallBlock: append(out, call_block(s, scope).str()); break;
      case Stmt::FilterBlock: {
        auto inner = child(scope);
        inner->vars[""] = Value(render_body(s.body, scope));
        append(out, eval(*s.expr, inner).str());
        break;
      }
      case Stmt::Break: return Flow::Break;
      case Stmt::Continue: return Flow::Continue;
      case Stmt::Generation: return exec(s.body, scope, out);
    }
    return Flow::Normal;
  }

  void bind(Scope& scope, const std::vector<std::string>& targets, const Value& v) {
    if (targets.size() == 1) {
      scope.vars[targets[0]] = v;
      return;
    }
    List items = iterate(v);
    if (!v.is_list() && !v.is_string())
      throw TemplateFailure("cannot unpack a " + v.type_name() + " into " + std::to_string(targets.size()) + " names");
    if (items.size() != targets.size())
      throw TemplateFailure("cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) +
                            " names");
    for (size_t i = 0; i < targets.size(); ++i) scope.vars[targets[i]] = items[i];
  }

  void exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
    Value iterable = eval(*s.expr, scope);
    at_ = s.at;
    if (!iterable.is_list() && !iterable.is_dict() && !iterable.is_string() && !iterable.is_undefined())
      throw TemplateFailure("'" + iterable.type_name() + "' object is not iterable");
    List items = iterate(iterable);
    if (s.condition) {  // `for x in xs if cond`: loop.* count the kept items only
      List kept;
      for (auto& item : items) {
        auto probe = child(scope);
        bind(*probe, s.targets, item);
        if (eval(*s.condition, probe).truthy()) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      if (++iterations_ > kMaxLoopIterations)
        throw TemplateFailure("more than " + std::to_string(kMaxLoopIterations) + " loop iterations");
      auto inner = child(scope);
      bind(*inner, s.targets, items[i]);
      inner->vars["loop"] = Value::dict({
          {"index", Value(i + 1)},
          {"index0", Value(i)},
          {"revindex", Value(n - i)},
          {"revindex0", Value(n - i - 1)},
          {"first", Value(i == 0)},
          {"last", Value(i == n - 1)},
          {"length", Value(n)},
          {"previtem", i > 0 ? items[i - 1] : Value()},
          {"nextitem", i + 1 < n ? items[i + 1] : Value()},
          {"cycle", Value::function([i](CallArgs& a) {
             if (a.positional.empty()) throw TemplateFailure("loop.cycle() needs at least one value");
             return a.positional[static_cast<size_t>(i) % a.positional.size()];
           })},
      });
      if (exec(s.body, inner, out) == Flow::Break) break;
    }
    if (n == 0) exec(s.else_body, scope, out);
  }

  void exec_set(const Stmt& s, const ScopePtr& scope) {
    Value v = s.expr ? eval(*s.expr, scope) : Value(render_body(s.body, scope));
    at_ = s.at;
    if (s.text.empty()) return bind(*scope, s.targets, v);
    // {% set ns.attr = v %}: only namespace() objects take attributes.
    const Value* ns = scope->lookup(s.targets[0]);
    if (!ns || !ns->is_namespace())
      throw TemplateFailure("cannot set attribute '" + s.text + "' of '" + s.targets[0] + "': it is not a namespace()");
    namespaces_.push_back(ns->namespace_ptr());
    Dict& items = ns->namespace_items();
    for (auto& [k, old] : items)
      if (k == s.text) {
        old = v;
        return;
      }
    items.emplace_back(s.text, v);
  }

  // A macro: a function that renders its body in a fresh scope over the one it was
  // defined in, with its parameters bound as Python binds them.
  Value macro(const Stmt& s, const ScopePtr& defined_in) {
    const Stmt* def = &s;
    captured_.push_back(defined_in);
    return Value::function([this, def, defined_in](CallArgs& args) { return run_macro(*def, child(defined_in), args); });
  }

  Value run_macro(const Stmt& def, const ScopePtr& scope, CallArgs& args) {
    if (depth_ >= kMaxCallDepth) throw TemplateFailure("macro calls nested deeper than " + std::to_string(kMaxCallDepth));
    ++depth_;
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    bind_params(def, scope, args);
    at_ = def.at;
    return Value(render_body(def.body, scope));
  }

  // Extra positional arguments become `varargs`, extra keywords `kwargs`; parameters left
  // unset take their defaults, evaluated now in the macro's scope.
  void bind_params(const Stmt& def, const ScopePtr& scope, CallArgs& args) {
    const std::string name = def.kind == Stmt::Macro ? "macro '" + def.text + "'" : std::string("caller()");
    if (args.positional.size() > def.params.size() && !def.catch_varargs)
      throw TemplateFailure(name + " takes not more than " + std::to_string(def.params.size()) + " argument(s)");
    List varargs;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (i < def.params.size()) scope->vars[def.params[i].name] = args.positional[i];
      else varargs.push_back(args.positional[i]);
    }
    Dict kwargs;
    for (auto& [k, v] : args.keyword) {
      bool param = false;
      for (const auto& p : def.params) param |= p.name == k;
      if (param || k == "caller") {
        scope->vars[k] = v;
        continue;
      }
      if (!def.catch_kwargs) throw TemplateFailure(name + " takes no keyword argument '" + k + "'");
      kwargs.emplace_back(k, v);
    }
    for (const auto& p : def.params)
      if (!scope->vars.count(p.name)) scope->vars[p.name] = p.default_value ? eval(*p.default_value, scope) : Value();
    scope->vars["varargs"] = Value::list(std::move(varargs), true);  // a tuple, as in jinja2
    scope->vars["kwargs"] = Value::dict(std::move(kwargs));
  }

  Value call_block(const Stmt& s, const ScopePtr& scope) {
    const Stmt* def = &s;
    captured_.push_back(scope);
    Value caller = Value::function([this, def, scope](CallArgs& args) { return run_macro(*def, child(scope), args); });
    const Expr& call = *s.expr;
    Value callee = eval(*call.args[0], scope);
    CallArgs args = arguments(call, scope);
    args.keyword.emplace_back("caller", caller);
    at_ = s.at;
    if (!callee.is_function()) throw TemplateFailure("{% call %} of something that is not a macro");
    return callee.as_function()(args);
  }

  CallArgs arguments(const Expr& e, const ScopePtr& scope) {
    CallArgs args;
    for (size_t i = 1; i < e.args.size(); ++i) args.positional.push_back(eval(*e.args[i], scope));
    for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v, scope));
    return args;
  }

  Value eval(const Expr& e, const ScopePtr& scope) {
    at_ = e.at;
    switch (e.kind) {
      case Expr::Literal: return e.value;
      case Expr::Name: {
        if (const Value* v = scope->lookup(e.name)) return *v;
        return global_function(e.name);
      }
      case Expr::ListLit:
      case Expr::TupleLit: {
        List items;
        for (const auto& a : e.args) items.push_back(eval(*a, scope));
        return Value::list(std::move(items), e.kind == Expr::TupleLit);
      }
      case Expr::DictLit: {
        Dict items;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value k = eval(*e.args[i], scope);
          if (!k.is_string()) throw TemplateFailure("dict keys must be strings, got " + k.type_name());
          Value v = eval(*e.args[i + 1], scope);
          bool replaced = false;
          for (auto& [old_k, old_v] : items)
            if (old_k == k.as_string()) old_v = v, replaced = true;
          if (!replaced) items.emplace_back(k.as_string(), std::move(v));
        }
        return Value::dict(std::move(items));
      }
      case Expr::Attr: return get_attr(eval(*e.args[0], scope), e.name);
      case Expr::Item: {
        Value obj = eval(*e.args[0], scope);
        return get_item(obj, eval(*e.args[1], scope));
      }
      case Expr::Slice: {
        Value obj = eval(*e.args[0], scope);
        Value parts[3] = {Value::none(), Value::none(), Value::none()};
        for (int i = 0; i < 3; ++i)
          if (e.args[i + 1]) parts[i] = eval(*e.args[i + 1], scope);
        at_ = e.at;
        return get_slice(obj, parts[0], parts[1], parts[2]);
      }
      case Expr::Call: return call(e, scope);
      case Expr::Filter: {
        Value input = eval(*e.args[0], scope);
        CallArgs args = arguments(e, scope);
        at_ = e.at;
        return apply_filter(e.name, input, args);
      }
      case Expr::Test: {
        Value input = eval(*e.args[0], scope);
        CallArgs args = arguments(e, scope);
        at_ = e.at;
        return Value(apply_test(e.name, input, args) != e.negated);
      }
      case Expr::Unary: {
        Value v = eval(*e.args[0], scope);
        at_ = e.at;
        if (e.name == "not") return Value(!v.truthy());
        if (v.is_bool() || v.is_int()) {
          int64_t i = v.is_bool() ? v.as_bool() : v.as_int();
          return e.name == "-" ? Value(-i) : Value(i);
        }
        if (v.is_float()) return e.name == "-" ? Value(-v.as_number()) : v;
        throw TemplateFailure("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
      }
      case Expr::Binary: {
        Value a = eval(*e.args[0], scope);
        Value b = eval(*e.args[1], scope);
        at_ = e.at;
        return binary_op(e.name, a, b);
      }
      case Expr::Compare: {
        Value left = eval(*e.args[0], scope);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.args[i + 1], scope);
          at_ = e.at;
          if (!binary_op(e.ops[i], left, right).truthy()) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::And: {  // Python's and / or give an operand, not a bool
        Value a = eval(*e.args[0], scope);
        return a.truthy() ? eval(*e.args[1], scope) : a;
      }
      case Expr::Or: {
        Value a = eval(*e.args[0], scope);
        return a.truthy() ? a : eval(*e.args[1], scope);
      }
      case Expr::Ternary:
        if (eval(*e.args[0], scope).truthy()) return eval(*e.args[1], scope);
        return e.args[2] ? eval(*e.args[2], scope) : Value();
    }
    return Value();
  }

  Value call(const Expr& e, const ScopePtr& scope) {
    Value callee = eval(*e.args[0], scope);
    CallArgs args = arguments(e, scope);
    at_ = e.at;
    if (callee.is_function()) return bounded(callee.as_function()(args));
    const Expr& target = *e.args[0];
    if (target.kind == Expr::Name) throw TemplateFailure("'" + target.name + "' is undefined (called as a function)");
    if (target.kind == Expr::Attr) {
      Value obj = eval(*target.args[0], scope);
      at_ = e.at;
      throw TemplateFailure("'" + obj.type_name() + "' object has no method '" + target.name + "'");
    }
    throw TemplateFailure("'" + callee.type_name() + "' object is not callable");
  }

  std::shared_ptr<const Program> program_;
  SourcePos at_;  // the node being run, for error messages
  int depth_ = 0;
  int64_t iterations_ = 0;
  std::vector<std::weak_ptr<Scope>> captured_;  // scopes held by macros and caller()s
  std::vector<std::weak_ptr<Dict>> namespaces_;  // namespaces assigned to
};

}  // namespace

std::string render(const std::shared_ptr<const Program>& program, const Dict& variables) {
  return Interpreter(program).run(variables);
}

}  // namespace cuddle::chat

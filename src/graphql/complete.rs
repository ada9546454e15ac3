//! Spec-exact responses from async-graphql's executor: fields in the order of the
//! selection, and field errors completed as the specification's "Handling Field Errors"
//! asks.
//!
//! async-graphql resolves the fields of an object concurrently and collects them in the
//! order they finish, and it leaves a failed field out of its object instead of making it
//! null (and a failed non-null field's parent null). [`Completion::apply`] mends both in
//! one walk over the answer, with the operation's document, its variables and the types of
//! the schema ([`Shapes`]):
//! - every object's keys are put in the order of CollectFields (the selection's order,
//!   fragments expanded in place, `@skip` and `@include` honoured);
//! - a field named by an error's path is `null`, and when its type is non-null the null
//!   moves to the nearest nullable position above it (or `data` itself).

use std::collections::{HashMap, HashSet};
use std::{cell::OnceCell, rc::Rc};

use async_graphql::{
    Name, PathSegment, Request, Response, Value, Variables,
    indexmap::IndexMap,
    parser::types::{
        BaseType, ExecutableDocument, Field, OperationType, Selection, SelectionSet, Type,
    },
};

use super::shapes::{Shapes, find_operation};

/// What completing the response of one request needs: its document, variables and
/// operation, taken before it runs.
pub struct Completion {
    document: ExecutableDocument,
    variables: Variables,
    operation: Option<String>,
}

impl Completion {
    /// Takes what [`Completion::apply`] needs from a request that parsed (its variables'
    /// defaults already filled in by [`fill_defaults`]).
    pub fn prepare(request: &mut Request) -> Option<Completion> {
        let operation = request.operation_name.clone();
        let document = request.parsed_query().ok()?.clone();
        Some(Completion {
            document,
            variables: request.variables.clone(),
            operation,
        })
    }

    /// Puts `response` in the selection's order and completes its field errors.
    pub fn apply(&self, shapes: &Shapes, response: &mut Response) {
        let Some(op) = find_operation(&self.document, self.operation.as_deref()) else {
            return;
        };
        let root = match op.ty {
            OperationType::Query => &shapes.query,
            OperationType::Mutation => &shapes.mutation,
            OperationType::Subscription => &shapes.subscription,
        };
        let walk = Walk {
            shapes,
            document: &self.document,
            variables: &self.variables,
            plans: Default::default(),
        };
        let root_sets = [&op.selection_set.node];
        let paths: Vec<&[PathSegment]> = response
            .errors
            .iter()
            .map(|e| e.path.as_slice())
            .filter(|p| !p.is_empty())
            .collect();
        for path in &paths {
            materialise(&mut response.data, path);
        }
        for path in &paths {
            walk.propagate(&mut response.data, root, &root_sets, path);
        }
        let root_type = Type {
            base: BaseType::Named(Name::new(root)),
            nullable: true,
        };
        walk.order(&mut response.data, &root_type, &root_sets, &OnceCell::new());
    }
}

/// Gives a request the default values of the variables it leaves out (the
/// specification's CoerceVariableValues), so that `@skip`, `@include` and arguments see
/// them.
pub fn fill_defaults(request: &mut Request) {
    let operation = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return;
    };
    let Some(op) = find_operation(document, operation.as_deref()) else {
        return;
    };
    let defaults: Vec<_> = op
        .variable_definitions
        .iter()
        .filter_map(|d| {
            Some((
                d.node.name.node.clone(),
                d.node.default_value.as_ref()?.node.clone(),
            ))
        })
        .collect();
    for (name, default) in defaults {
        request.variables.entry(name).or_insert(default);
    }
}

/// Makes the field at `path` present (as `null` when async-graphql left it out), and an
/// object that async-graphql made `null` because every one of its fields failed an
/// object again, so that its failed fields can be completed one by one.
fn materialise(data: &mut Value, path: &[PathSegment]) {
    let mut at = data;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match segment {
            PathSegment::Field(key) => {
                if *at == Value::Null {
                    *at = Value::Object(IndexMap::new());
                }
                let Value::Object(map) = at else { return };
                if last {
                    map.entry(Name::new(key)).or_insert(Value::Null);
                    return;
                }
                match map.get_mut(key.as_str()) {
                    Some(next) => at = next,
                    None => return,
                }
            }
            PathSegment::Index(index) => {
                let Value::List(items) = at else { return };
                match items.get_mut(*index) {
                    Some(next) => at = next,
                    None => return,
                }
            }
        }
    }
}

/// The fields of one object, grouped by response key in the order CollectFields gives.
type Collected<'d> = Vec<(&'d str, Vec<&'d Field>)>;

/// How to complete the objects of one type selected by one group of selection sets:
/// their keys in CollectFields' order, each with what its value needs. Made once per
/// request for each place in the document, whatever the number of objects there.
struct Plan<'a> {
    entries: Vec<Entry<'a>>,
}

/// One response key of a [`Plan`].
struct Entry<'a> {
    key: &'a str,
    /// The field's name (`__typename` tells an abstract position's type).
    field: &'a str,
    /// The field's declared type; `None` where the SDL does not describe it
    /// (introspection), whose value is left as it is.
    ty: Option<&'a Type>,
    /// The merged selection sets of the key's fields.
    sets: Vec<&'a SelectionSet>,
    /// The plan of the key's objects, when its type is an object type: made when first
    /// needed, then shared by every object there.
    objects: OnceCell<Option<Rc<Plan<'a>>>>,
}

/// The selection sets (by address) and the object type a plan is made for.
type PlanKey<'a> = (Vec<usize>, &'a str);

/// One completion's view of the document and the schema.
struct Walk<'a> {
    shapes: &'a Shapes,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    /// Plans by selection sets (their addresses) and object type, for the positions
    /// where the object type is known only per object (interfaces and unions).
    plans: std::cell::RefCell<HashMap<PlanKey<'a>, Rc<Plan<'a>>>>,
}

impl<'a> Walk<'a> {
    /// Moves the null of a failed field at `path` up to the nearest nullable position.
    fn propagate(
        &self,
        data: &mut Value,
        root: &str,
        root_sets: &[&'a SelectionSet],
        path: &[PathSegment],
    ) {
        // The type at each position of the path (the response key's field's type, or a
        // list's item type), found through the document: same-key fields share their
        // shape, so any of them tells whether a position is nullable.
        let mut types: Vec<Type> = Vec::with_capacity(path.len());
        let mut parent = root.to_string();
        let mut sets: Vec<&'a SelectionSet> = root_sets.to_vec();
        for segment in path {
            let ty = match segment {
                PathSegment::Field(key) => {
                    let fields = self.fields_with_key(&parent, &sets, key);
                    let Some((owner, field)) = fields.first() else {
                        return;
                    };
                    let Some(ty) = self.shapes.field_type(owner, &field.name.node) else {
                        return;
                    };
                    sets = fields.iter().map(|(_, f)| &f.selection_set.node).collect();
                    ty.clone()
                }
                PathSegment::Index(_) => match types.last().map(|t| &t.base) {
                    Some(BaseType::List(item)) => (**item).clone(),
                    _ => return,
                },
            };
            parent = named(&ty).to_string();
            types.push(ty);
        }
        // The nearest nullable position at or above the failed field; `value_at` finds
        // nothing when an earlier error's null already covers it.
        let mut depth = path.len();
        while depth > 0 && !types[depth - 1].nullable {
            depth -= 1;
        }
        match value_at(data, &path[..depth]) {
            Some(v) => *v = Value::Null,
            None if depth == 0 => *data = Value::Null,
            None => {}
        }
    }

    /// Every field of `sets` (fragments expanded whatever their type condition) with the
    /// response key `key`, each with the type that declares it.
    fn fields_with_key(
        &self,
        parent: &str,
        sets: &[&'a SelectionSet],
        key: &str,
    ) -> Vec<(String, &'a Field)> {
        let mut found = Vec::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.find_key(parent, set, key, &mut visited, &mut found);
        }
        found
    }

    fn find_key(
        &self,
        owner: &str,
        set: &'a SelectionSet,
        key: &str,
        visited: &mut HashSet<&'a str>,
        found: &mut Vec<(String, &'a Field)>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.response_key().node == key {
                        found.push((owner.to_string(), &field.node));
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !visited.insert(name) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(name) {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.find_key(on, &fragment.node.selection_set.node, key, visited, found);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(owner, |c| c.node.on.node.as_str());
                    self.find_key(on, &inline.node.selection_set.node, key, visited, found);
                }
            }
        }
    }

    /// Puts every object under `value` (of type `ty`, selected by `sets`) in the order of
    /// its selection; `objects` keeps the plan of this place's objects.
    fn order(
        &self,
        value: &mut Value,
        ty: &Type,
        sets: &[&'a SelectionSet],
        objects: &OnceCell<Option<Rc<Plan<'a>>>>,
    ) {
        match (&ty.base, value) {
            (BaseType::List(item), Value::List(items)) => {
                for v in items {
                    self.order(v, item, sets, objects);
                }
            }
            (BaseType::Named(name), Value::Object(map)) => {
                let plan = if self.shapes.possible.contains_key(name.as_str()) {
                    match self.runtime_type(name, map, sets) {
                        Some(object) => self.plan(object, sets),
                        None => return,
                    }
                } else {
                    let plan = objects.get_or_init(|| {
                        let (object, _) = self.shapes.fields.get_key_value(name.as_str())?;
                        Some(Rc::new(self.make_plan(object, sets)))
                    });
                    match plan {
                        Some(plan) => plan.clone(),
                        None => return,
                    }
                };
                self.apply_plan(map, &plan);
            }
            _ => {}
        }
    }

    /// Orders one object's keys by `plan`, then the objects under them.
    fn apply_plan(&self, map: &mut IndexMap<Name, Value>, plan: &Plan<'a>) {
        if !in_order(map, plan) {
            let mut old = std::mem::take(map);
            map.reserve(old.len());
            for entry in &plan.entries {
                if let Some((k, v)) = old.swap_remove_entry(entry.key) {
                    map.insert(k, v);
                }
            }
            map.extend(old);
        }
        for entry in &plan.entries {
            let Some(ty) = entry.ty else { continue };
            if let Some(child @ (Value::Object(_) | Value::List(_))) = map.get_mut(entry.key) {
                self.order(child, ty, &entry.sets, &entry.objects);
            }
        }
    }

    /// The object type of an object in a position of type `name`, an interface or a
    /// union: the `__typename` the object answered, else the one possible type whose
    /// selected fields are the object's keys.
    fn runtime_type(
        &self,
        name: &str,
        map: &IndexMap<Name, Value>,
        sets: &[&'a SelectionSet],
    ) -> Option<&'a str> {
        let shapes = self.shapes;
        for candidate in shapes.possible.get(name)? {
            let plan = self.plan(candidate, sets);
            let typename = plan.entries.iter().find(|e| e.field == "__typename");
            if let Some(entry) = typename {
                if let Some(Value::String(t)) = map.get(entry.key) {
                    return shapes
                        .fields
                        .get_key_value(t.as_str())
                        .map(|(k, _)| k.as_str());
                }
                continue;
            }
            if plan.entries.len() == map.len()
                && plan.entries.iter().all(|e| map.contains_key(e.key))
            {
                return Some(candidate.as_str());
            }
        }
        None
    }

    /// The plan for objects of type `object` selected by `sets`, from the cache.
    fn plan(&self, object: &'a str, sets: &[&'a SelectionSet]) -> Rc<Plan<'a>> {
        let sets_at = sets
            .iter()
            .map(|s| std::ptr::from_ref(*s) as usize)
            .collect();
        let id = (sets_at, object);
        if let Some(plan) = self.plans.borrow().get(&id) {
            return plan.clone();
        }
        let plan = Rc::new(self.make_plan(object, sets));
        self.plans.borrow_mut().insert(id, plan.clone());
        plan
    }

    /// CollectFields for an object of type `object` selected by `sets`, as a plan.
    fn make_plan(&self, object: &'a str, sets: &[&'a SelectionSet]) -> Plan<'a> {
        let mut collected: Collected<'a> = Vec::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect_into(object, set, &mut visited, &mut collected);
        }
        let entries = collected
            .into_iter()
            .map(|(key, fields)| {
                let field = fields[0].name.node.as_str();
                Entry {
                    key,
                    field,
                    ty: self.shapes.field_type(object, field),
                    sets: fields.iter().map(|f| &f.selection_set.node).collect(),
                    objects: OnceCell::new(),
                }
            })
            .collect();
        Plan { entries }
    }

    fn collect_into(
        &self,
        object: &'a str,
        set: &'a SelectionSet,
        visited: &mut HashSet<&'a str>,
        collected: &mut Collected<'a>,
    ) {
        for selection in &set.items {
            if skipped(selection.node.directives(), self.variables) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    match collected.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(&field.node),
                        None => collected.push((key, vec![&field.node])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    if !self.shapes.applies(object, on) || !visited.insert(name) {
                        continue;
                    }
                    self.collect_into(
                        object,
                        &fragment.node.selection_set.node,
                        visited,
                        collected,
                    );
                }
                Selection::InlineFragment(inline) => {
                    if let Some(condition) = &inline.node.type_condition
                        && !self.shapes.applies(object, &condition.node.on.node)
                    {
                        continue;
                    }
                    self.collect_into(object, &inline.node.selection_set.node, visited, collected);
                }
            }
        }
    }
}

/// Whether the keys of `map` already come in the order of `plan`.
fn in_order(map: &IndexMap<Name, Value>, plan: &Plan<'_>) -> bool {
    let mut expected = plan.entries.iter().map(|e| e.key);
    map.keys().all(|key| expected.any(|k| k == key.as_str()))
}

/// The named type under a type's lists and non-null marks.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// The value at `path` under `data`, if there is one.
fn value_at<'v>(data: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    let mut at = data;
    for segment in path {
        at = match (segment, at) {
            (PathSegment::Field(key), Value::Object(map)) => map.get_mut(key.as_str())?,
            (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    if path.is_empty() { None } else { Some(at) }
}

/// Whether `@skip` or `@include` leave a selection out.
pub(crate) fn skipped(
    directives: &[async_graphql::Positioned<async_graphql::parser::types::Directive>],
    variables: &Variables,
) -> bool {
    directives.iter().any(|directive| {
        let include = match directive.node.name.node.as_str() {
            "skip" => false,
            "include" => true,
            _ => return false,
        };
        let condition = directive.node.get_argument("if").and_then(|value| {
            value
                .node
                .clone()
                .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
                .ok()
        });
        let condition = matches!(condition, Some(Value::Boolean(true)));
        condition != include
    })
}

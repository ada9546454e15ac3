//! The types of the schema, read once per process from its own SDL: what completing a
//! response (`graphql::complete`) and checking a request's variables
//! (`graphql::variables`) need to know of them.

use std::collections::HashMap;

use async_graphql::{
    Name,
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, ServiceDocument,
        Type, TypeKind, TypeSystemDefinition,
    },
};

/// The types of a schema, as much of them as completing a response and checking a
/// request's variables need.
#[derive(Debug, Default)]
pub struct Shapes {
    /// Object and interface types: the declared type of each field.
    pub(crate) fields: HashMap<String, HashMap<String, Type>>,
    /// Interfaces and unions: the object types that can stand for them.
    pub(crate) possible: HashMap<String, Vec<String>>,
    /// Input types: input objects, enums and scalars (`graphql::variables`).
    pub(crate) inputs: HashMap<String, Input>,
    pub(crate) query: String,
    pub(crate) mutation: String,
    pub(crate) subscription: String,
}

impl Shapes {
    /// The shapes of the schema printed as `sdl`.
    pub fn from_sdl(sdl: &str) -> Shapes {
        let mut shapes = Shapes {
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
            ..Shapes::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's own SDL does not parse: responses are left as run");
            return shapes;
        };
        let ServiceDocument { definitions } = document;
        let mut implementers: Vec<(String, String)> = Vec::new();
        for definition in definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(q) = schema.query {
                        shapes.query = q.node.to_string();
                    }
                    if let Some(m) = schema.mutation {
                        shapes.mutation = m.node.to_string();
                    }
                    if let Some(s) = schema.subscription {
                        shapes.subscription = s.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let name = ty.name.node.to_string();
                    let one_of = ty.directives.iter().any(|d| d.node.name.node == "oneOf");
                    let fields = match ty.kind {
                        TypeKind::Scalar => {
                            shapes.inputs.insert(name, Input::Scalar);
                            continue;
                        }
                        TypeKind::Enum(e) => {
                            let values = e.values.iter().map(|v| v.node.value.node.to_string());
                            shapes.inputs.insert(name, Input::Enum(values.collect()));
                            continue;
                        }
                        TypeKind::InputObject(object) => {
                            let fields = object.fields.into_iter().map(|f| {
                                let f = f.node;
                                let required = !f.ty.node.nullable && f.default_value.is_none();
                                (f.name.node.to_string(), (f.ty.node, required))
                            });
                            let fields = fields.collect();
                            shapes.inputs.insert(name, Input::Object { fields, one_of });
                            continue;
                        }
                        TypeKind::Object(object) => {
                            for interface in object.implements {
                                implementers.push((interface.node.to_string(), name.clone()));
                            }
                            object.fields
                        }
                        TypeKind::Interface(interface) => {
                            shapes.possible.entry(name.clone()).or_default();
                            interface.fields
                        }
                        TypeKind::Union(union) => {
                            let members = union.members.iter().map(|m| m.node.to_string());
                            shapes.possible.insert(name, members.collect());
                            continue;
                        }
                    };
                    let fields = fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect();
                    shapes.fields.insert(name, fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        for (interface, object) in implementers {
            shapes.possible.entry(interface).or_default().push(object);
        }
        shapes
    }

    /// The declared type of `field` on `parent`.
    pub(crate) fn field_type(&self, parent: &str, field: &str) -> Option<&Type> {
        if field == "__typename" {
            return Some(&TYPENAME);
        }
        self.fields.get(parent)?.get(field)
    }

    /// Whether a fragment on `condition` applies to an object of type `object`.
    pub(crate) fn applies(&self, object: &str, condition: &str) -> bool {
        object == condition
            || self
                .possible
                .get(condition)
                .is_some_and(|types| types.iter().any(|t| t == object))
    }
}

/// An input type of the schema.
#[derive(Debug)]
pub(crate) enum Input {
    /// A scalar: built in (`Int`, `String`, ...) or custom (`Date`, ...).
    Scalar,
    /// An enum, with its values.
    Enum(Vec<String>),
    /// An input object: each field's type and whether it must be given; `one_of` when
    /// exactly one field must be given (`@oneOf`).
    Object {
        fields: HashMap<String, (Type, bool)>,
        one_of: bool,
    },
}

/// The type of `__typename`.
static TYPENAME: std::sync::LazyLock<Type> = std::sync::LazyLock::new(|| Type {
    base: BaseType::Named(Name::new("String")),
    nullable: false,
});

/// The operation a request runs: the one it names, else its only one.
pub(crate) fn find_operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

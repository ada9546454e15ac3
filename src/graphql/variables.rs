//! A request's variables checked against the types its operation declares, before it
//! runs (the specification's CoerceVariableValues): a missing or ill-typed value is the
//! client's error, `BAD_USER_INPUT`, and the message names the variable.

use async_graphql::{
    InputType, Value, Variables,
    parser::types::{BaseType, ExecutableDocument, Type},
};

use crate::{
    error::{Error, Result},
    graphql::{
        scalars::Date,
        shapes::{Input, Shapes, find_operation},
    },
};

/// Checks every variable that the operation to run declares.
pub fn check(
    shapes: &Shapes,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<()> {
    // A request without an operation to run is refused by validation.
    let Some(op) = find_operation(doc, operation_name) else {
        return Ok(());
    };
    for definition in &op.variable_definitions {
        let definition = &definition.node;
        let ty = &definition.var_type.node;
        let value = variables.get(&definition.name.node);
        if let Some(value) = value
            && named(ty).ends_with("Filter")
        {
            check_filter_size(&definition.name.node, value)?;
        }
        let why = match value {
            None if !ty.nullable && definition.default_value.is_none() => {
                Err(format!("of type {ty} is required"))
            }
            None => Ok(()),
            Some(value) => check_value(shapes, ty, value),
        };
        if let Err(why) = why {
            return Err(Error::bad_input(format!(
                "the variable `${}` {why}",
                definition.name.node
            )));
        }
    }
    Ok(())
}

/// The named type at the heart of `ty` (`DialogueFilter` of `[DialogueFilter!]`).
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// Refuses a filter given in a variable that holds more values than a filter may
/// ([`crate::graphql::filter::MAX_FILTER_VALUES`]: every scalar in it counts, list items
/// included), before anything is built from it: a filter of 10,000 conditions is 400 KB
/// of input that would take a hundred milliseconds to turn into conditions, only to be
/// refused then.
fn check_filter_size(name: &str, value: &Value) -> Result<()> {
    /// How many scalars `value` holds, counting no further than `limit`.
    fn scalars(value: &Value, limit: usize) -> usize {
        let mut n = 0;
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::List(items) => stack.extend(items),
                Value::Object(fields) => stack.extend(fields.values()),
                _ => n += 1,
            }
            if n > limit {
                break;
            }
        }
        n
    }
    let limit = crate::graphql::filter::MAX_FILTER_VALUES;
    if scalars(value, limit) > limit {
        return Err(Error::QueryTooComplex(format!(
            "the filter `${name}` holds more than the {limit} values (bounds, list items, \
             texts) a filter may hold: split the question, or use wider conditions"
        )));
    }
    Ok(())
}

/// Whether `value` is a value of type `ty`; if not, why (a path into the value, then the
/// fault).
fn check_value(shapes: &Shapes, ty: &Type, value: &Value) -> std::result::Result<(), String> {
    if *value == Value::Null {
        return if ty.nullable {
            Ok(())
        } else {
            Err(format!("of type {ty} may not be null"))
        };
    }
    match (&ty.base, value) {
        (BaseType::List(item), Value::List(items)) => {
            for (i, v) in items.iter().enumerate() {
                check_value(shapes, item, v).map_err(|why| format!("[{i}] {why}"))?;
            }
            Ok(())
        }
        // A single value stands for a list of one.
        (BaseType::List(item), other) => check_value(shapes, item, other),
        (BaseType::Named(name), value) => check_named(shapes, name, value),
    }
}

fn check_named(shapes: &Shapes, name: &str, value: &Value) -> std::result::Result<(), String> {
    let fits = match name {
        "Int" => {
            matches!(value, Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()))
        }
        "Float" => matches!(value, Value::Number(_)),
        "String" => matches!(value, Value::String(_)),
        "Boolean" => matches!(value, Value::Boolean(_)),
        "ID" => {
            matches!(value, Value::String(_))
                || matches!(value, Value::Number(n) if n.is_i64() || n.is_u64())
        }
        "Date" => Date::parse(Some(value.clone())).is_ok(),
        "DateTime" => chrono::DateTime::<chrono::Utc>::parse(Some(value.clone())).is_ok(),
        _ => match shapes.inputs.get(name) {
            // Other scalars (`JSON`) take any value.
            None | Some(Input::Scalar) => true,
            Some(Input::Enum(values)) => match value {
                Value::String(v) => values.iter().any(|e| e == v),
                Value::Enum(v) => values.iter().any(|e| e == v.as_str()),
                _ => false,
            },
            Some(Input::Object { fields, one_of }) => {
                let Value::Object(given) = value else {
                    return Err(format!("is not an object of type {name}"));
                };
                for (key, v) in given {
                    let Some((ty, _)) = fields.get(key.as_str()) else {
                        return Err(format!("has a field `{key}` that {name} does not have"));
                    };
                    check_value(shapes, ty, v).map_err(|why| format!(".{key} {why}"))?;
                }
                for (key, (ty, required)) in fields {
                    if *required && !given.contains_key(key.as_str()) {
                        return Err(format!(".{key} of type {ty} is required"));
                    }
                }
                let set = given.values().filter(|v| **v != Value::Null).count();
                if *one_of && set != 1 {
                    return Err(format!("must give exactly one field of {name}"));
                }
                true
            }
        },
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{value} is not a value of type {name}"))
    }
}

//! Reading a world back from JSON: the fields as written, checked before they become a [`World`].

use super::*;

/// A world as read from JSON, before [`World`]'s invariants are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UncheckedWorld {
    config: WorldConfig,
    people: Vec<Person>,
    cities: Vec<String>,
    jobs: Vec<String>,
}

impl TryFrom<UncheckedWorld> for World {
    type Error = anyhow::Error;

    /// Accepts the world only if its config is valid and every friend is another person in it.
    fn try_from(world: UncheckedWorld) -> Result<World> {
        world.config.validate()?;
        let n = world.people.len();
        if n != world.config.n_people {
            bail!(
                "world: config.n_people is {} but there are {n} people",
                world.config.n_people
            );
        }
        for (index, person) in world.people.iter().enumerate() {
            if person.friend >= n || person.friend == index {
                bail!(
                    "world: person {index} ({}) has friend {}, which must be another of the {n} people",
                    person.name,
                    person.friend
                );
            }
        }
        Ok(World {
            config: world.config,
            people: world.people,
            cities: world.cities,
            jobs: world.jobs,
        })
    }
}

import { BACKEND_LABELS, BACKENDS } from '../api/backend';
import { useBackend } from './context';

/** Chooses which implementation of the API every view reads from (remembered across reloads). */
export function BackendSwitch() {
  const { backend, setBackend } = useBackend();
  return (
    <div className="backend-switch" role="radiogroup" aria-labelledby="backend-switch-label" data-testid="backend-switch">
      <span id="backend-switch-label" className="backend-switch__label">
        Backend
      </span>
      <div className="backend-switch__options">
        {BACKENDS.map((option) => (
          <label key={option} className="backend-switch__option">
            <input
              type="radio"
              name="backend"
              value={option}
              checked={backend === option}
              onChange={() => setBackend(option)}
              data-testid={`backend-option-${option}`}
            />
            <span>{BACKEND_LABELS[option]}</span>
          </label>
        ))}
      </div>
    </div>
  );
}

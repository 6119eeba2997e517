import { render } from 'preact';
import { App } from './ui/App';
import { applyDisguise, chosenDisguise } from './ui/disguise';
import './ui/styles.css';

// Before anything is drawn: the page never shows a name other than the chosen one.
applyDisguise(chosenDisguise());
const root = document.getElementById('app');
if (root) {
  render(<App />, root);
}

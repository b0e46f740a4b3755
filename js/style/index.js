import 'uplot/dist/uPlot.min.css';
import './base.css';
import './detail.css';
import './charts.css';
import './table.css';
import './media.css';
import './artifacts.css';
import './compare.css';
